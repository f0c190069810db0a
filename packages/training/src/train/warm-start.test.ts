import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { buildEnhanceNetwork, createEnhanceModel, createRandom, GraphBuilder, initializeEnhanceWeights } from '@enhance/graph-builder';
import { warmStartFromModel } from './warm-start.js';

const architecture = { depth: 2, filters: 6 };
const patchSize = 12;
const count = 5;

function randomImages(seed: number, n: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: n * patchSize * patchSize }, () => 1 + 0.3 * (random() - 0.5));
}

async function run(model: Uint8Array, images: Float32Array, n: number, input = 'image'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ [input]: new ort.Tensor('float32', images, [n, 1, patchSize, patchSize]) });
    return Object.values(out)[0].data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / scale;
}

/** The network with its weights as constants, batch norms from the batch's own statistics (training mode). */
function trainingModeModel(weights: Map<string, Float32Array>, n: number): Uint8Array {
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: [n, 1, patchSize, patchSize] });
  const out = buildEnhanceNetwork(b, image, {
    architecture,
    batchNormMode: 'batch',
    parameter: (spec) => b.initializer(spec.name, weights.get(spec.name)!, spec.shape),
    onMovingStatistic: () => {},
  });
  return b.build({ outputs: { enhanced: out }, graphName: 'training_mode' });
}

describe('warmStartFromModel', () => {
  const trained = initializeEnhanceWeights(architecture, { seed: 3, batchNorm: 'random', bias: 'random' });
  const folded = createEnhanceModel({ kind: 'intensity', architecture, weights: trained, foldBatchNorm: true });
  const statistics = randomImages(11, count);

  test('restores batch norms that make the training-mode network equal the folded one on the statistics batch', async () => {
    const { weights } = await warmStartFromModel(folded, 'folded.onnx', architecture, { data: statistics, count, patchSize }, 1);
    const reference = await run(folded, statistics.subarray(0, patchSize * patchSize), 1);
    const foldedOnBatch = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        run(folded, statistics.subarray(i * patchSize * patchSize, (i + 1) * patchSize * patchSize), 1),
      ),
    );
    const expected = new Float32Array(foldedOnBatch.reduce((n, a) => n + a.length, 0));
    foldedOnBatch.forEach((a, i) => expected.set(a, i * a.length));
    const actual = await run(trainingModeModel(weights, count), statistics, count);
    expect(reference.length).toBe(4 * patchSize * patchSize);
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
  });

  test('its moving statistics give back the folded network in inference mode on other data', async () => {
    const { weights, source } = await warmStartFromModel(folded, 'folded.onnx', architecture, { data: statistics, count, patchSize }, 1);
    const unfolded = createEnhanceModel({ kind: 'intensity', architecture, weights: Object.fromEntries(weights), foldBatchNorm: false });
    const other = randomImages(29, 1);
    expect(maxRelativeError(await run(unfolded, other, 1), await run(folded, other, 1))).toBeLessThan(1e-5);
    expect(source.file).toBe('folded.onnx');
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a control: batch norms left at the identity do not reproduce the folded network in training mode', async () => {
    const { weights } = await warmStartFromModel(folded, 'folded.onnx', architecture, { data: statistics, count, patchSize }, 1);
    for (const [name, value] of weights) {
      if (name.endsWith('.gamma')) value.fill(1);
      if (name.endsWith('.beta')) value.fill(0);
    }
    const expected = await run(folded, statistics.subarray(0, patchSize * patchSize), 1);
    const actual = (await run(trainingModeModel(weights, count), statistics, count)).subarray(0, expected.length);
    expect(maxRelativeError(actual, expected)).toBeGreaterThan(1e-2);
  });

  test('refuses a model of another architecture', async () => {
    await expect(
      warmStartFromModel(folded, 'folded.onnx', { depth: 1, filters: 6 }, { data: statistics, count, patchSize }, 1),
    ).rejects.toThrow(/depth 2 × 6 filters, the run is depth 1 × 6/);
  });
});
