import { describe, expect, it } from 'vitest';
import { initializeEnhanceWeights } from '@enhance/graph-builder';
import { batchViews, concatenateBatches, type TrainingData, type ValidationGroup } from './training-data.js';
import { TrainingError } from './training-error.js';
import { ValidationModel } from './validation-model.js';

const architecture = { depth: 1, filters: 4 };
const p = 6;
const weights = new Map(Object.entries(initializeEnhanceWeights(architecture, { seed: 5, bias: 'random' })));

/** `count` patches of a smooth field, targets shifted by `offset` (inputs the same for every group). */
function patches(count: number, offset: number) {
  const inputs = new Float32Array(count * p * p);
  const targets = new Float32Array(count * 4 * p * p);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < p * p; i++) inputs[n * p * p + i] = 1 + 0.1 * Math.sin(0.7 * i + n);
    for (let i = 0; i < 4 * p * p; i++) targets[n * 4 * p * p + i] = 1 + 0.1 * Math.cos(0.3 * i - n) + offset;
  }
  return { inputs, targets };
}

function dataOf(parts: { count: number; offset: number }[], groups?: ValidationGroup[]): TrainingData {
  const { inputs, targets } = concatenateBatches(
    parts.map(({ count, offset }) => ({ count, ...patches(count, offset) })),
    p,
  );
  return {
    patchSize: p,
    train: { sampleBatch: () => ({ count: 0, inputs: new Float32Array(), targets: new Float32Array() }) },
    validation: {
      batches: (size) => batchViews(inputs, targets, p, size),
      ...(groups ? { groups } : {}),
    },
    description: {},
  };
}

describe('ValidationModel.meanSquaredErrors', () => {
  it('gives each group of patches its own error, whatever the batches cut across them', async () => {
    const model = await ValidationModel.create(architecture, p, 1);
    try {
      // Three groups with the same inputs: targets t, t + c and t − c. For the same outputs o,
      // (o − t − c)² + (o − t + c)² = 2 (o − t)² + 2c², so the shifted groups' errors sum to twice the first's plus 2c².
      const c = 0.05;
      const groups = [
        { name: 'a', patches: 3 },
        { name: 'b', patches: 3 },
        { name: 'c', patches: 3 },
      ];
      const data = dataOf(
        [
          { count: 3, offset: 0 },
          { count: 3, offset: c },
          { count: 3, offset: -c },
        ],
        groups,
      );
      const result = await model.meanSquaredErrors(weights, data, 4);
      const [a, b, cc] = result.groups!.map((g) => g.mse);
      expect(result.groups!.map((g) => g.name)).toEqual(['a', 'b', 'c']);
      expect(b + cc).toBeCloseTo(2 * a + 2 * c * c, 7);
      expect(b).not.toBeCloseTo(cc, 4);
      // The overall error is the patch-weighted mean of the groups', and what meanSquaredError reports.
      expect(result.mse).toBeCloseTo((a + b + cc) / 3, 10);
      expect(await model.meanSquaredError(weights, data, 2)).toBeCloseTo(result.mse, 9);
      // Without groups, only the overall error.
      expect(await model.meanSquaredErrors(weights, dataOf([{ count: 3, offset: 0 }]), 2)).toEqual({ mse: a });
    } finally {
      await model.release();
    }
  });

  it('refuses groups that do not add up to the validation set', async () => {
    const model = await ValidationModel.create(architecture, p, 1);
    try {
      const data = dataOf([{ count: 4, offset: 0 }], [{ name: 'a', patches: 3 }]);
      const error = await model.meanSquaredErrors(weights, data, 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingError);
      expect((error as TrainingError).message).toBe('the validation groups name 3 patches, the validation set has 4');
    } finally {
      await model.release();
    }
  });
});
