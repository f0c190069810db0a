import { describe, expect, test } from 'vitest';
import { withAffineAugmentation } from './affine-augmentation.js';
import { SeededRandom } from './seeded-random.js';
import type { TrainingData } from './training-data.js';

const p = 4;
function source(): TrainingData {
  return {
    patchSize: p,
    train: {
      sampleBatch: (count, random) => {
        const inputs = Float32Array.from({ length: count * p * p }, () => 0.8 + 0.4 * random());
        const targets = Float32Array.from({ length: count * 4 * p * p }, () => 0.7 + 0.6 * random());
        return { count, inputs, targets };
      },
    },
    validation: { batches: () => [] },
    description: {},
  };
}

describe('withAffineAugmentation', () => {
  test('maps input and target of a patch by the same v → m + a(v − μ), to about the requested share of patches', () => {
    const settings = { fraction: 0.5, level: [0.1, 1.1] as const, contrast: [0.2, 1.5] as const };
    const random = SeededRandom.fromSeed(5);
    const plainRandom = SeededRandom.fromSeed(5);
    const augmented = withAffineAugmentation(source(), settings).train.sampleBatch(400, () => random.next());
    // The same draws without augmentation give the originals (the augmentation draws after the batch).
    const original = source().train.sampleBatch(400, () => plainRandom.next());
    let changed = 0;
    for (let n = 0; n < 400; n++) {
      const ti = original.targets.subarray(n * 4 * p * p, (n + 1) * 4 * p * p);
      const to = augmented.targets.subarray(n * 4 * p * p, (n + 1) * 4 * p * p);
      const ii = original.inputs.subarray(n * p * p, (n + 1) * p * p);
      const io = augmented.inputs.subarray(n * p * p, (n + 1) * p * p);
      if (ti.every((v, i) => v === to[i])) {
        expect(Array.from(io)).toEqual(Array.from(ii));
        continue;
      }
      changed++;
      const mean = ti.reduce((s, v) => s + v, 0) / ti.length;
      // Recover a and m from two target pixels, then check every other pixel of both images.
      const a = (to[1] - to[0]) / (ti[1] - ti[0]);
      const m = to[0] - a * (ti[0] - mean);
      expect(a).toBeGreaterThanOrEqual(0.2 - 1e-4);
      expect(a).toBeLessThanOrEqual(1.5 + 1e-4);
      expect(m).toBeGreaterThanOrEqual(0.1 - 1e-4);
      expect(m).toBeLessThanOrEqual(1.1 + 1e-4);
      ti.forEach((v, i) => expect(Math.abs(to[i] - (m + a * (v - mean)))).toBeLessThan(1e-4));
      ii.forEach((v, i) => expect(Math.abs(io[i] - (m + a * (v - mean)))).toBeLessThan(1e-4));
    }
    expect(changed).toBeGreaterThan(160);
    expect(changed).toBeLessThan(240);
  });
});
