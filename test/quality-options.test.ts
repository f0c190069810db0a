import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Architecture, PlainImage } from '@enhance/core';
import { createEnhanceModel, initializeEnhanceWeights } from '@enhance/graph-builder';
import { createEnhancer } from '@enhance/runtime-node';
import { HMI_PSF_PAPER, samplePsfKernel } from '@enhance/training';
import { limbDarkenedDisk, writeQaModelsFolder } from '@enhance/test-support';

const SMALL: Architecture = { depth: 1, filters: 6 };
const model = createEnhanceModel({
  kind: 'intensity',
  architecture: SMALL,
  weights: initializeEnhanceWeights(SMALL, { seed: 5, batchNorm: 'random', bias: 'random' }),
});

function testImage(width: number, height: number, level: number, nanPixels: number[] = []): PlainImage {
  const data = Float32Array.from({ length: width * height }, (_, i) => level * (1 + 0.2 * Math.sin(i * 0.37) + 0.05 * Math.cos(i * 1.9)));
  for (const index of nanPixels) data[index] = Number.NaN;
  return { data, width, height };
}

/** Flips and transposes written out plainly: out(x, y) = in(source), with the transpose first. */
function dihedral(image: PlainImage, t: number): PlainImage {
  const width = t & 4 ? image.height : image.width;
  const height = t & 4 ? image.width : image.height;
  const data = new Float32Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sx = t & 4 ? y : x;
      let sy = t & 4 ? x : y;
      if (t & 1) sx = image.width - 1 - sx;
      if (t & 2) sy = image.height - 1 - sy;
      data[y * width + x] = image.data[sy * image.width + sx];
    }
  }
  return { data, width, height };
}

/** The inverse of `dihedral` for an image that was width×height before it. */
function undihedral(image: PlainImage, t: number, width: number, height: number): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      let sx = t & 4 ? y : x;
      let sy = t & 4 ? x : y;
      if (t & 1) sx = width - 1 - sx;
      if (t & 2) sy = height - 1 - sy;
      out[sy * width + sx] = image.data[y * image.width + x];
    }
  }
  return out;
}

function reflect(i: number, n: number): number {
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

/** Float64 reference of the training degradation on the output grid: direct PSF sum, mirrored edges, 2×2 mean. */
function redegradeDirect(output: Float32Array, outWidth: number, outHeight: number): Float64Array {
  const kernel = samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0.252, energyFraction: 0.99 });
  const c = kernel.radiusPx;
  const filled = Float64Array.from(output, (v) => (Number.isFinite(v) ? v : 0));
  const blurred = new Float64Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let j = 0; j < kernel.height; j++) {
        const row = reflect(y + c - j, outHeight) * outWidth;
        for (let i = 0; i < kernel.width; i++) sum += kernel.data[j * kernel.width + i] * filled[row + reflect(x + c - i, outWidth)];
      }
      blurred[y * outWidth + x] = sum;
    }
  }
  const width = outWidth / 2;
  const out = new Float64Array(width * (outHeight / 2));
  for (let y = 0; y < outHeight / 2; y++) {
    for (let x = 0; x < width; x++) {
      const top = 2 * y * outWidth + 2 * x;
      out[y * width + x] = (blurred[top] + blurred[top + 1] + blurred[top + outWidth] + blurred[top + outWidth + 1]) / 4;
    }
  }
  return out;
}

const previousModelsDir = process.env.ENHANCE_MODELS_DIR;
const scratch: string[] = [];
afterEach(() => {
  if (previousModelsDir === undefined) delete process.env.ENHANCE_MODELS_DIR;
  else process.env.ENHANCE_MODELS_DIR = previousModelsDir;
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A models folder holding the shipped quality-check model and, optionally, a reference for `model`. */
function modelsFolder(reference?: number): string {
  const folder = mkdtempSync(join(tmpdir(), 'enhance-qa-models-'));
  scratch.push(folder);
  return writeQaModelsFolder(folder, model, reference);
}

describe('quality check (qa: true)', () => {
  it('gives the output degraded again minus the input, as a direct float64 convolution and 2×2 mean do', async () => {
    process.env.ENHANCE_MODELS_DIR = modelsFolder();
    const image = testImage(24, 18, 3000, [5, 24 * 10 + 7]);
    const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
    const result = await enhancer.enhance(image, { qa: true });
    await enhancer.dispose();
    const expected = redegradeDirect(result.image.data, 48, 36);
    const residual = result.qa!.residual.data;
    let worst = 0;
    let sum = 0;
    let inputSum = 0;
    for (let i = 0; i < residual.length; i++) {
      if (!Number.isFinite(image.data[i])) {
        expect(residual[i]).toBeNaN();
        continue;
      }
      worst = Math.max(worst, Math.abs(residual[i] - (expected[i] - image.data[i])));
      sum += Math.abs(expected[i] - image.data[i]);
      inputSum += Math.abs(image.data[i]);
    }
    expect(worst).toBeLessThan(3000 * 2e-6);
    expect(result.qa!.summary.relativeResidual).toBeCloseTo(sum / inputSum, 6);
    expect(result.qa!.summary.pixels).toBe(24 * 18 - 2);
    expect(result.qa!.summary.reference).toBeNull();
    expect([result.qa!.residual.width, result.qa!.residual.height]).toEqual([24, 18]);
  });

  it('warns once when the residual exceeds the reference shipped for the model, and not below it', async () => {
    const image = testImage(30, 20, 1);
    for (const [reference, warned] of [
      [1e-6, true],
      [100, false],
    ] as const) {
      process.env.ENHANCE_MODELS_DIR = modelsFolder(reference);
      const warnings: string[] = [];
      const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu', onWarning: (w) => warnings.push(w) });
      const { qa } = await enhancer.enhance(image, { qa: true });
      await enhancer.dispose();
      expect(qa!.summary.reference?.maxRelativeResidual).toBe(reference);
      const lines = warnings.filter((w) => w.startsWith('quality check:'));
      expect(lines).toHaveLength(warned ? 1 : 0);
      if (warned) expect(lines[0]).toMatch(/more than the 0\.00% the model card measured on real HMI data \(largest: real\.fits\)/);
    }
  });

  it("says what is missing when the quality check's model is not installed", async () => {
    const empty = mkdtempSync(join(tmpdir(), 'enhance-qa-none-'));
    scratch.push(empty);
    process.env.ENHANCE_MODELS_DIR = empty;
    const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
    await expect(enhancer.enhance(testImage(8, 8, 1), { qa: true })).rejects.toThrow(
      /hmi-redegrade\.onnx is not installed beside the models \(npm run export:redegrade/,
    );
    // Without qa the same enhancer works.
    await expect(enhancer.enhance(testImage(8, 8, 1))).resolves.toBeDefined();
    await enhancer.dispose();
  });
});

describe('test-time augmentation (tta: 4 | 8)', () => {
  for (const tta of [4, 8] as const) {
    it(`is the mean and spread of ${tta} runs on the flipped/turned image, mapped back; tiling does not change it`, async () => {
      const image = testImage(21, 14, 1, [3]);
      const whole = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
      const tiled = await createEnhancer({ kind: 'intensity', model, device: 'cpu', tileSize: 2 * whole.info.receptiveFieldRadius + 4 });
      const runs: Float32Array[] = [];
      for (let t = 0; t < tta; t++) {
        const turned = dihedral(image, t);
        const out = await whole.enhance(turned, { scale: 1 });
        runs.push(undihedral(out.image, t, 42, 28));
      }
      const result = await whole.enhance(image, { scale: 1, tta });
      const tiledResult = await tiled.enhance(image, { scale: 1, tta });
      expect(tiledResult.tiles).toBeGreaterThan(1);
      await Promise.all([whole.dispose(), tiled.dispose()]);
      expect(result.tta).toBe(tta);
      for (let i = 0; i < runs[0].length; i++) {
        const values = runs.map((r) => r[i]);
        if (Number.isNaN(values[0])) {
          expect(result.image.data[i]).toBeNaN();
          expect(result.spread!.data[i]).toBeNaN();
          continue;
        }
        const mean = values.reduce((a, b) => a + b, 0) / tta;
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / tta);
        expect(result.image.data[i]).toBeCloseTo(mean, 5);
        expect(result.spread!.data[i]).toBeCloseTo(sd, 5);
        expect(tiledResult.image.data[i]).toBeCloseTo(mean, 5);
        expect(tiledResult.spread!.data[i]).toBeCloseTo(sd, 5);
      }
    });
  }

  it('has no spread without it, and refuses other counts', async () => {
    const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
    const result = await enhancer.enhance(testImage(10, 10, 1));
    expect(result.spread).toBeUndefined();
    expect(result.tta).toBe(1);
    await expect(enhancer.enhance(testImage(10, 10, 1), { tta: 3 as never })).rejects.toThrow(
      'option tta = 3 is invalid: expected 1 | 4 | 8',
    );
    await enhancer.dispose();
  });
});

describe('limb normalisation', () => {
  const {
    data,
    header,
    width: size,
    centre,
    radius,
  } = limbDarkenedDisk({
    level: 50_000,
    cards: [
      { key: 'CUNIT1', value: 'arcsec' },
      { key: 'CUNIT2', value: 'arcsec' },
    ],
  });

  it('feeds the network the image over its fitted I(μ) and multiplies the output by I(μ) at each output pixel', async () => {
    const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
    const result = await enhancer.enhance({ data, width: size, height: size, header }, { limbNormalisation: 'auto' });
    expect(result.limbNormalisation.applied).toBe(true);
    if (!result.limbNormalisation.applied) return;
    const { profile } = result.limbNormalisation.limb;
    // The profile, evaluated here from its coefficients (t = (μ − mid)/half, μ clamped to the fitted range).
    const levelAt = (x: number, y: number) => {
      const r2 = ((x - centre) ** 2 + (y - centre) ** 2) / radius ** 2;
      const mu = Math.min(profile.muMax, Math.max(profile.muMin, r2 < 1 ? Math.sqrt(1 - r2) : profile.muMin));
      const t = (mu - (profile.muMax + profile.muMin) / 2) / ((profile.muMax - profile.muMin) / 2);
      return profile.coefficients.reduce((sum, c, k) => sum + c * t ** k, 0);
    };
    const divided = Float32Array.from(data, (v, i) => v / levelAt(i % size, Math.floor(i / size)));
    const plain = await enhancer.enhance({ data: divided, width: size, height: size }, { scale: 1 });
    await enhancer.dispose();
    let worst = 0;
    for (let y = 0; y < 2 * size; y++) {
      for (let x = 0; x < 2 * size; x++) {
        const i = y * 2 * size + x;
        const expected = plain.image.data[i] * levelAt((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
        if (Number.isNaN(expected)) expect(result.image.data[i]).toBeNaN();
        else worst = Math.max(worst, Math.abs(result.image.data[i] / expected - 1));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    expect(result.scale / 50_000).toBeCloseTo(1, 1);
    expect(result.image.header.cards.some((c) => c.key === 'HISTORY' && String(c.value).includes('centre-to-limb profile I(mu)'))).toBe(
      true,
    );
  });

  it("is left out by default ('off') and for an explicit scale, and the result says why", async () => {
    const enhancer = await createEnhancer({ kind: 'intensity', model, device: 'cpu' });
    const off = await enhancer.enhance({ data, width: size, height: size, header });
    const explicit = await enhancer.enhance({ data, width: size, height: size, header }, { scale: 50_000, limbNormalisation: 'auto' });
    await enhancer.dispose();
    expect(off.limbNormalisation).toEqual({ applied: false, reason: "limbNormalisation is 'off'" });
    expect(explicit.limbNormalisation).toEqual({ applied: false, reason: 'an explicit scale (50000) was given' });
  });
});
