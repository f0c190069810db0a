import { describe, expect, it } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import { dihedralSource, emptyBatch, samplePatchBatch, windowOrigins, writePatchPair, type PatchSource } from './patch-sampler.js';

// A source whose every pixel encodes its own coordinates, so a patch reveals where it came from.
function codedSource(width: number, height: number, origins?: [number, number][]): PatchSource {
  const input = {
    width,
    height,
    data: Float64Array.from({ length: width * height }, (_, i) => 1000 * Math.floor(i / width) + (i % width)),
  };
  const target = {
    width: 2 * width,
    height: 2 * height,
    data: Float64Array.from({ length: 4 * width * height }, (_, i) => 1000 * Math.floor(i / (2 * width)) + (i % (2 * width))),
  };
  return { input, target, origins: origins ?? windowOrigins(width, height) };
}

describe('dihedralSource', () => {
  it('gives 8 distinct bijections of the square', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 8; t++) {
      const image = Array.from({ length: 9 }, (_, i) => dihedralSource(t, i % 3, Math.floor(i / 3), 3).join(','));
      expect(new Set(image).size).toBe(9);
      seen.add(image.join(' '));
    }
    expect(seen.size).toBe(8);
  });
});

describe('patch batches', () => {
  it('writes aligned input/target patches: target (2x, 2y) under the same symmetry as input (x, y)', () => {
    const source = codedSource(60, 55);
    for (let transform = 0; transform < 8; transform++) {
      const batch = emptyBatch(1);
      writePatchPair(batch, 0, source, [7, 3], transform);
      for (const [x, y] of [
        [0, 0],
        [49, 0],
        [13, 31],
        [49, 49],
      ]) {
        const code = batch.inputs[y * 50 + x];
        const [sx, sy] = [code % 1000, Math.floor(code / 1000)];
        // The target pixel block under input pixel (x, y) holds the 2×2 pixels under (sx, sy).
        const targetCodes = [0, 1].flatMap((dy) => [0, 1].map((dx) => batch.targets[(2 * y + dy) * 100 + 2 * x + dx]));
        const expected = [0, 1].flatMap((dy) => [0, 1].map((dx) => 1000 * (2 * sy + dy) + 2 * sx + dx));
        expect(targetCodes.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        expect(sx - 7).toBeGreaterThanOrEqual(0);
        expect(sy - 3).toBeLessThan(50);
      }
    }
  });

  it('is reproducible for a seed, draws only allowed windows, and adds input noise of the given σ', () => {
    const allowed: [number, number][] = [
      [0, 0],
      [10, 5],
    ];
    const source = codedSource(60, 55, allowed);
    const a = samplePatchBatch([source], 64, createRandom(3), 0);
    const b = samplePatchBatch([source], 64, createRandom(3), 0);
    expect(a.inputs.every((v, i) => v === b.inputs[i])).toBe(true);
    expect(a.inputShape).toEqual([64, 1, 50, 50]);
    expect(a.targetShape).toEqual([64, 1, 100, 100]);
    for (let n = 0; n < 64; n++) {
      const patch = a.inputs.subarray(n * 2500, (n + 1) * 2500);
      let minX = Infinity;
      let minY = Infinity;
      for (const code of patch) {
        minX = Math.min(minX, code % 1000);
        minY = Math.min(minY, Math.floor(code / 1000));
      }
      expect(allowed.some(([x, y]) => x === minX && y === minY)).toBe(true);
    }
    const noisy = samplePatchBatch([source], 64, createRandom(3), 0.5);
    let sum = 0;
    let sumSquares = 0;
    // Same seed, so same windows: the difference is the noise (up to float32 rounding of the codes).
    for (let i = 0; i < noisy.inputs.length; i++) {
      const d = noisy.inputs[i] - a.inputs[i];
      sum += d;
      sumSquares += d * d;
    }
    expect(Math.sqrt(sumSquares / noisy.inputs.length)).toBeCloseTo(0.5, 1);
    expect(noisy.targets.every((v, i) => v === a.targets[i])).toBe(true);
  });

  it('rejects a non-integer batch size', () => {
    expect(() => samplePatchBatch([codedSource(50, 50)], 2.5, createRandom(1), 0)).toThrow(/2\.5/);
  });
});

describe('input noise', () => {
  const zeros = (): PatchSource => ({
    input: { width: 50, height: 50, data: new Float64Array(2500) },
    target: { width: 100, height: 100, data: new Float64Array(10000) },
    origins: [[0, 0]],
  });
  const patchSigmas = (inputs: Float32Array) =>
    Array.from({ length: inputs.length / 2500 }, (_, n) => {
      const patch = inputs.subarray(n * 2500, (n + 1) * 2500);
      return Math.sqrt(patch.reduce((a, v) => a + v * v, 0) / patch.length);
    });

  it('gives every patch the one σ when one is given', () => {
    const sigmas = patchSigmas(samplePatchBatch([zeros()], 40, createRandom(3), 0.01).inputs);
    for (const s of sigmas) expect(Math.abs(s / 0.01 - 1)).toBeLessThan(0.08);
  });

  it('draws each patch its own σ from a range, uniformly in log σ, and leaves the targets alone', () => {
    const batch = samplePatchBatch([zeros()], 400, createRandom(4), [0.003, 0.012]);
    const sigmas = patchSigmas(batch.inputs).sort((a, b) => a - b);
    // Each patch's measured σ lies in the range (2,500 samples: ±6% at 4 standard errors).
    expect(sigmas[0]).toBeGreaterThan(0.003 * 0.94);
    expect(sigmas[sigmas.length - 1]).toBeLessThan(0.012 * 1.06);
    // Log-uniform: the median sits at the geometric mean (0.006), not the arithmetic one (0.0075).
    const median = sigmas[200];
    expect(median).toBeGreaterThan(0.0055);
    expect(median).toBeLessThan(0.0066);
    // Both ends are used.
    expect(sigmas[20]).toBeLessThan(0.0036);
    expect(sigmas[380]).toBeGreaterThan(0.01);
    expect(batch.targets.every((v) => v === 0)).toBe(true);
  });

  it('refuses a range that is empty, reversed or not positive', () => {
    for (const bad of [
      [0, 0.01],
      [0.02, 0.01],
      [-1, 1],
      [Number.NaN, 1],
    ] as [number, number][]) {
      expect(() => samplePatchBatch([zeros()], 1, createRandom(1), bad)).toThrow(/input noise must be/);
    }
    expect(() => samplePatchBatch([zeros()], 1, createRandom(1), -0.1)).toThrow(/input noise must be/);
  });
});

describe('polarity flips', () => {
  // Every pixel positive and coded, so a patch shows whether it was negated.
  const source = codedSource(60, 55);

  it('negate about half the pairs, input and target alike, and none without the option', () => {
    const flipped = samplePatchBatch([source], 400, createRandom(6), 0, { signFlip: true });
    let negative = 0;
    for (let n = 0; n < flipped.count; n++) {
      // Pixel (1, 1) is never the all-zero code 0.
      const input = flipped.inputs[n * 2500 + 51];
      const target = flipped.targets[n * 10000 + 101];
      expect(Math.sign(target)).toBe(Math.sign(input));
      if (input < 0) negative++;
    }
    expect(negative).toBeGreaterThan(160);
    expect(negative).toBeLessThan(240);
    const plain = samplePatchBatch([source], 100, createRandom(6), 0);
    expect(plain.inputs.every((v) => v >= 0)).toBe(true);
  });
});
