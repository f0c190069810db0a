import { createHash } from 'node:crypto';
import type { Architecture } from '@enhance/core';
import {
  buildEnhanceNetwork,
  enhanceBatchNormPairs,
  enhanceParameterSpecs,
  ENHANCE_BATCH_NORM_EPSILON,
  GraphBuilder,
  loadEnhanceWeights,
} from '@enhance/graph-builder';
import * as ort from 'onnxruntime-node';
import { TrainingError } from './training-error.js';

/** Where a warm-started run's first weights came from. */
export interface WarmStartSource {
  file: string;
  sha256: string;
  /** The model's own `training_patches_seen` / `training_steps`, when it records them. */
  patchesSeen: number;
  steps: number;
}

export interface WarmStart {
  /** Every parameter of the unfolded network (batch norms included), by stable name. */
  weights: Map<string, Float32Array>;
  source: WarmStartSource;
}

/**
 * Training weights that continue a shipped (batch-norm-folded) model. Folding merged each batch norm
 * into the conv before it, so the batch norms come back as the identity *for the data*: each gets the
 * per-channel mean μ and (biased) variance σ² of its input over `inputs`, as moving statistics, and
 * γ = sqrt(σ² + ε), β = μ. In inference mode the network is then exactly the folded one; in training
 * mode it differs only by how far a batch's statistics stray from those of `inputs`.
 */
export async function warmStartFromModel(
  bytes: Uint8Array,
  file: string,
  architecture: Architecture,
  inputs: { data: Float32Array; count: number; patchSize: number },
  threads: number,
): Promise<WarmStart> {
  const model = loadEnhanceWeights(bytes, file);
  if (model.architecture.depth !== architecture.depth || model.architecture.filters !== architecture.filters) {
    throw new TrainingError({
      message: `the model is depth ${model.architecture.depth} × ${model.architecture.filters} filters, the run is depth ${architecture.depth} × ${architecture.filters}`,
      code: 'TRAIN_BAD_OPTION',
      file,
    });
  }
  if (!model.foldedBatchNorm) {
    // Separate batch norms already carry everything training needs.
    return {
      weights: new Map(enhanceParameterSpecs(architecture).map((s) => [s.name, model.weights[s.name]])),
      source: describe(bytes, file, model.metadata),
    };
  }
  const pairs = enhanceBatchNormPairs(architecture);
  const b = new GraphBuilder();
  const { patchSize } = inputs;
  const image = b.input('image', { dataType: 'float32', shape: [inputs.count, 1, patchSize, patchSize] });
  buildEnhanceNetwork(b, image, {
    architecture,
    foldedBatchNorm: true,
    parameter: (spec) => b.initializer(spec.name, model.weights[spec.name], spec.shape),
  });
  // Each conv that a batch norm followed is its own node output, named after the layer.
  const outputs = Object.fromEntries(
    pairs.map(({ conv }) => {
      const operand = b.operand(conv);
      if (!operand)
        throw new TrainingError({ message: `the folded network has no output named '${conv}'`, code: 'TRAIN_BAD_OPTION', file });
      return [`statistics/${conv}`, b.identity(operand, { label: `statistics/${conv}` })];
    }),
  );
  const session = await ort.InferenceSession.create(b.build({ outputs, graphName: 'enhance_batch_norm_statistics' }), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run({ image: new ort.Tensor('float32', inputs.data, [inputs.count, 1, patchSize, patchSize]) });
  } finally {
    await session.release();
  }
  const weights = new Map<string, Float32Array>();
  for (const spec of enhanceParameterSpecs(architecture))
    if (spec.role.startsWith('conv-')) weights.set(spec.name, model.weights[spec.name]);
  for (const { batchNorm, conv } of pairs) {
    const activations = results[`statistics/${conv}`].data as Float32Array;
    const channels = architecture.filters;
    const plane = activations.length / (inputs.count * channels);
    const mean = new Float32Array(channels);
    const variance = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      let squares = 0;
      for (let n = 0; n < inputs.count; n++) {
        const offset = (n * channels + c) * plane;
        for (let i = 0; i < plane; i++) {
          const v = activations[offset + i];
          sum += v;
          squares += v * v;
        }
      }
      const m = sum / (inputs.count * plane);
      mean[c] = m;
      variance[c] = Math.max(0, squares / (inputs.count * plane) - m * m);
    }
    weights.set(`${batchNorm}.mean`, mean);
    weights.set(`${batchNorm}.var`, variance);
    weights.set(
      `${batchNorm}.gamma`,
      variance.map((v) => Math.sqrt(v + ENHANCE_BATCH_NORM_EPSILON)),
    );
    weights.set(`${batchNorm}.beta`, Float32Array.from(mean));
  }
  return { weights, source: describe(bytes, file, model.metadata) };
}

function describe(bytes: Uint8Array, file: string, metadata: Record<string, string>): WarmStartSource {
  const count = (value: string | undefined) => (value !== undefined && Number.isFinite(Number(value)) ? Number(value) : 0);
  return {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    patchesSeen: count(metadata.training_patches_seen),
    steps: count(metadata.training_steps),
  };
}
