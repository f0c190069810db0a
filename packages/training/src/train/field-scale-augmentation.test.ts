import { describe, expect, test } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import type { PatchBatch, TrainingSet } from '../data/load-training-set.js';
import { withFieldScaleAugmentation } from './field-scale-augmentation.js';

/** A set whose every patch is the field 1 kG (input) and 1 kG (target), noise only when asked. */
function constantSet(noise: number): TrainingSet {
  const sampleBatch = (
    count: number,
    random = createRandom(1),
    options: { inputNoise?: number | readonly [number, number] } = {},
  ): PatchBatch => {
    const sigma = options.inputNoise ?? noise;
    if (typeof sigma !== 'number') throw new Error('this stand-in set adds one σ only');
    const inputs = Float32Array.from(
      { length: count * 2500 },
      () => 1 + sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
    );
    return {
      count,
      inputs,
      targets: new Float32Array(count * 10000).fill(1),
      inputShape: [count, 1, 50, 50],
      targetShape: [count, 1, 100, 100],
    };
  };
  return {
    train: { sampleBatch },
    validation: { patches: sampleBatch(1), batches: function* () {}, images: [] },
    info: {
      kind: 'blos',
      units: 'kG',
      inputNoiseSigma: noise,
      sources: [],
      trainingWindows: 1,
      validationPatches: 1,
      validationRegions: [],
    } as unknown as TrainingSet['info'],
  };
}

describe('withFieldScaleAugmentation', () => {
  test('scales input and target alike before the noise, which keeps its level', () => {
    const data = withFieldScaleAugmentation(constantSet(0.01), { fraction: 0.5, scale: [0.02, 1] });
    const batch = data.train.sampleBatch(200, createRandom(7));
    let scaled = 0;
    for (let n = 0; n < batch.count; n++) {
      const s = batch.targets[n * 10000];
      if (s < 1) scaled++;
      expect(s).toBeGreaterThanOrEqual(0.02);
      const input = batch.inputs.subarray(n * 2500, (n + 1) * 2500);
      let mean = 0;
      let squares = 0;
      for (const v of input) mean += v / input.length;
      for (const v of input) squares += (v - mean) ** 2 / input.length;
      // The input's mean follows the target's scale; its noise stays at σ = 0.01 whatever the scale.
      expect(mean).toBeCloseTo(s, 2);
      expect(Math.sqrt(squares)).toBeGreaterThan(0.009);
      expect(Math.sqrt(squares)).toBeLessThan(0.011);
    }
    expect(scaled).toBeGreaterThan(70);
    expect(scaled).toBeLessThan(130);
    expect(data.description.augmentation).toEqual({ field_scale: { fraction: 0.5, scale: [0.02, 1] } });
  });

  test('with a per-patch noise range, the noise of each patch lies in the range whatever its scale', () => {
    const data = withFieldScaleAugmentation(constantSet(0.01), { fraction: 0.5, scale: [0.02, 1] }, { inputNoise: [0.003, 0.012] });
    const batch = data.train.sampleBatch(200, createRandom(8));
    const sigmas: number[] = [];
    for (let n = 0; n < batch.count; n++) {
      const input = batch.inputs.subarray(n * 2500, (n + 1) * 2500);
      const mean = input.reduce((a, v) => a + v, 0) / input.length;
      expect(mean).toBeCloseTo(batch.targets[n * 10000], 2);
      sigmas.push(Math.sqrt(input.reduce((a, v) => a + (v - mean) ** 2, 0) / input.length));
    }
    sigmas.sort((a, b) => a - b);
    expect(sigmas[0]).toBeGreaterThan(0.003 * 0.94);
    expect(sigmas[sigmas.length - 1]).toBeLessThan(0.012 * 1.06);
    expect(sigmas[100]).toBeGreaterThan(0.0052);
    expect(sigmas[100]).toBeLessThan(0.0068);
    expect(data.description.input_noise_sigma).toEqual([0.003, 0.012]);
  });
});
