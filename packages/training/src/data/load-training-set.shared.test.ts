import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import {
  IMAX_FILE,
  INTENSITY_VALIDATION_REGION,
  MURAM_FILE,
  NIRIS_FILES,
  NIRIS_VALIDATION_FILE,
  loadTrainingSet,
} from './load-training-set.js';
import { readNpy } from './read-npy.js';

const sharedDir = fileURLToPath(new URL('../../../../../shared', import.meta.url));

describe('training sets from ../shared', () => {
  it('reads the MURaM snapshot as NumPy does (shape, dtype, mean, a corner pixel)', () => {
    const array = readNpy(new Uint8Array(readFileSync(`${sharedDir}/data/train/${MURAM_FILE}`)));
    expect(array.shape).toEqual([1000, 1000]);
    expect(array.dtype).toBe('float32');
    let sum = 0;
    for (const v of array.data) sum += v;
    // numpy: a.mean() = 2.389403e+10 (float32 accumulation), a.std()/a.mean() = 0.1631865.
    expect(sum / array.data.length / 2.389403e10).toBeCloseTo(1, 5);
  });

  it('intensity: 131×131 inputs, 262×262 targets near unit mean; validation block never sampled', async () => {
    const set = await loadTrainingSet('intensity', { sharedDir, seed: 1 });
    expect(set.info.sources[0].inputSize).toEqual([131, 131]);
    expect(set.info.sources[0].targetSize).toEqual([262, 262]);
    const batch = set.train.sampleBatch(200, createRandom(2), { inputNoise: 0 });
    const mean = batch.inputs.reduce((a, b) => a + b, 0) / batch.inputs.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
    // Each validation patch appears in no training batch: compare exact pixel blocks.
    const validation = set.validation.patches;
    // 6 windows of the block, the same 6 with a synthetic sunspot, 11×11 of the IMaX frame.
    expect(validation.count).toBe(6 + 6 + 121);
    // The groups (per-source validation errors) name those runs after the validation images.
    expect(set.validation.groups).toEqual(set.validation.images.map((image, i) => ({ name: image.name, patches: [6, 6, 121][i] })));
    // The IMaX group starts with the frame's top-left window: its target is the image's top-left 100×100.
    const imaxTarget = set.validation.images[2].target;
    const first = validation.targets.subarray(12 * 10000, 13 * 10000);
    expect(Array.from({ length: 100 }, (_, y) => Array.from(first.subarray(y * 100, y * 100 + 100)))).toEqual(
      Array.from({ length: 100 }, (_, y) =>
        Array.from(imaxTarget.data.subarray(y * imaxTarget.width, y * imaxTarget.width + 100), Math.fround),
      ),
    );
    const validationKeys = new Set<string>();
    // Targets carry no noise, so equal pixel rows mean the same window.
    for (let n = 0; n < validation.count; n++)
      validationKeys.add(Array.from(validation.targets.subarray(n * 10000, n * 10000 + 100)).join(','));
    for (let n = 0; n < batch.count; n++) {
      expect(validationKeys.has(Array.from(batch.targets.subarray(n * 10000, n * 10000 + 100)).join(','))).toBe(false);
    }
    // The validation inputs hold a fixed draw of the training noise: the same in every load.
    const again = await loadTrainingSet('intensity', { sharedDir, seed: 9 });
    expect(again.validation.patches.inputs).toEqual(validation.inputs);
    const clean = set.validation.images[0].input;
    const noise = validation.inputs[0] - clean.data[0];
    expect(Math.abs(noise)).toBeGreaterThan(0);
    expect(Math.abs(noise)).toBeLessThan(5e-3);
    expect(set.validation.images[0].input.width).toBe(INTENSITY_VALIDATION_REGION.width);
    expect(set.validation.images[0].target.width).toBe(2 * INTENSITY_VALIDATION_REGION.width);
  });

  it('intensity: the IMaX frame validates only, and synthetic sunspots add dark training scenes', async () => {
    const plain = await loadTrainingSet('intensity', { sharedDir, seed: 1 });
    expect(plain.info.sources.find((s) => s.file === IMAX_FILE)?.split).toBe('validation');
    const imax = plain.validation.images.find((i) => i.name === IMAX_FILE)!;
    // 904 px at 0.055"/px is 98 px at 0.504"/px; the frame is divided by its mean.
    expect([imax.input.width, imax.target.width]).toEqual([98, 196]);
    expect(imax.input.data.reduce((a, b) => a + b, 0) / imax.input.data.length).toBeCloseTo(1, 3);
    const spotted = await loadTrainingSet('intensity', { sharedDir, seed: 1, sunspotScenes: 2 });
    expect(spotted.info.trainingWindows).toBe(3 * plain.info.trainingWindows);
    expect(spotted.info.sunspotScenes).toHaveLength(2);
    const darkest = (batch: { inputs: Float32Array }) => batch.inputs.reduce((a, b) => Math.min(a, b), Infinity);
    expect(darkest(plain.train.sampleBatch(300, createRandom(4), { inputNoise: 0 }))).toBeGreaterThan(0.7);
    expect(darkest(spotted.train.sampleBatch(300, createRandom(4), { inputNoise: 0 }))).toBeLessThan(0.6);
  });

  it('blos: four cropped NIRIS maps in kG, one held out for validation', async () => {
    const set = await loadTrainingSet('blos', { sharedDir, seed: 1 });
    expect(set.info.sources).toHaveLength(4);
    expect(set.info.sources.filter((s) => s.split === 'validation').map((s) => s.file)).toEqual([NIRIS_VALIDATION_FILE]);
    for (const source of set.info.sources) {
      // The rotated frame leaves a blank border of about 50 px at 720×720.
      expect(source.crop.width).toBeGreaterThan(550);
      expect(source.crop.x).toBeGreaterThan(20);
      expect(source.targetSize).toEqual([2 * source.inputSize[0], 2 * source.inputSize[1]]);
    }
    const batch = set.train.sampleBatch(64, createRandom(3), { inputNoise: 0 });
    const peak = batch.targets.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    // kG: strong plage/network fields reach 1–3 kG at the target resolution.
    expect(peak).toBeGreaterThan(0.5);
    expect(peak).toBeLessThan(3.5);
  });

  it('blos: synthetic sunspots add spotted copies of the training maps; validation holds a spotted copy of its map', async () => {
    const plain = await loadTrainingSet('blos', { sharedDir, seed: 1 });
    const spotted = await loadTrainingSet('blos', { sharedDir, seed: 1, sunspotScenes: 1 });
    expect(spotted.info.sunspotScenes).toHaveLength(3);
    expect(new Set(spotted.info.sunspotScenes?.map((s) => (s as { file?: string }).file))).toEqual(
      new Set(NIRIS_FILES.filter((f) => f !== NIRIS_VALIDATION_FILE)),
    );
    expect(spotted.info.trainingWindows).toBe(2 * plain.info.trainingWindows);
    // The same validation set with or without training spots: the map as it is and with VALIDATION_MAGNETIC_SPOT.
    expect(spotted.info.validationPatches).toBe(plain.info.validationPatches);
    expect(plain.validation.images.map((i) => i.name)).toEqual([
      NIRIS_VALIDATION_FILE,
      `${NIRIS_VALIDATION_FILE} with a synthetic sunspot`,
    ]);
    const [asIs, withSpot] = plain.validation.images;
    const peak = (data: Float64Array) => data.reduce((a, b) => Math.max(a, b), -Infinity);
    // The spot's 2.5 kG umbra (3.6" radius) survives the 28 cm PSF nearly whole.
    expect(peak(withSpot.target.data)).toBeGreaterThan(2.3);
    expect(peak(withSpot.target.data)).toBeLessThan(2.6);
    expect(peak(asIs.target.data)).toBeLessThan(2.3);
    // Some spotted training windows reach umbral fields the plage never has.
    const strongest = (set: typeof plain) =>
      set.train.sampleBatch(400, createRandom(5), { inputNoise: 0 }).inputs.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    expect(strongest(spotted)).toBeGreaterThan(1.8);
  });
});
