import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { buildEnhanceNetwork, createRandom, enhanceParameterSpecs, GraphBuilder, initializeEnhanceWeights } from '@enhance/graph-builder';
import type { TrainingData } from './training-data.js';
import { PreciseBatchNormStatistics } from './validation-model.js';

const architecture = { depth: 1, filters: 5 };
const patch = 10;
const count = 4;

async function forward(weights: Map<string, Float32Array>, images: Float32Array, mode: 'batch' | 'moving'): Promise<Float32Array> {
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: [count, 1, patch, patch] });
  const out = buildEnhanceNetwork(b, image, {
    architecture,
    batchNormMode: mode,
    parameter: (spec) => b.initializer(spec.name, weights.get(spec.name)!, spec.shape),
    onMovingStatistic: () => {},
  });
  const session = await ort.InferenceSession.create(b.build({ outputs: { out } }));
  try {
    return (await session.run({ image: new ort.Tensor('float32', images, [count, 1, patch, patch]) })).out.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('PreciseBatchNormStatistics', () => {
  test('on a set that always yields the same batch, inference with them equals training mode on that batch', async () => {
    const random = createRandom(8);
    const images = Float32Array.from({ length: count * patch * patch }, () => 1 + 0.3 * (random() - 0.5));
    const data = {
      patchSize: patch,
      train: { sampleBatch: () => ({ count, inputs: images, targets: new Float32Array(count * 4 * patch * patch) }) },
      validation: { batches: function* () {} },
      description: {},
    } as unknown as TrainingData;
    const init = initializeEnhanceWeights(architecture, { seed: 2, batchNorm: 'random', bias: 'random' });
    const weights = new Map(enhanceParameterSpecs(architecture).map((s) => [s.name, init[s.name]]));
    const precise = await PreciseBatchNormStatistics.create(architecture, count, patch, 1);
    const statistics = await precise.compute(weights, data, 3, random);
    await precise.release();
    expect([...statistics.keys()].sort()).toEqual(
      enhanceParameterSpecs(architecture)
        .filter((s) => s.role === 'bn-mean' || s.role === 'bn-var')
        .map((s) => s.name)
        .sort(),
    );
    const training = await forward(weights, images, 'batch');
    const stale = await forward(weights, images, 'moving');
    const updated = new Map(weights);
    for (const [name, value] of statistics) updated.set(name, value);
    const inference = await forward(updated, images, 'moving');
    const worst = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - training[i])), 0);
    const scale = training.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // The variance ONNX's training-mode batch norm normalises with is the biased one, as the statistics are.
    expect(worst(inference) / scale).toBeLessThan(1e-4);
    expect(worst(stale) / scale).toBeGreaterThan(1e-2);
  });
});
