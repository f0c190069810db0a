import type { Architecture } from '@enhance/core';
import { createRandom, gaussianDeviate } from './random.js';
import { enhanceBatchNormPairs, enhanceParameterSpecs, ENHANCE_BATCH_NORM_EPSILON } from './enhance-parameter-specs.js';
import { EnhanceNetworkError } from './enhance-network-error.js';

/** Parameter values by stable name (see `enhanceParameterSpecs`), float32 in ONNX layout. */
export type EnhanceWeights = Readonly<Record<string, Float32Array>>;

export interface InitializeOptions {
  seed: number;
  /** 'identity': γ 1, β 0, mean 0, var 1 (a fresh network). 'random': arbitrary statistics, for tests. */
  batchNorm?: 'identity' | 'random';
  /** 'zero' (a fresh network) or 'random' (for tests, so biases matter). */
  bias?: 'zero' | 'random';
}

/**
 * He-normal initialisation (std √(2 / fan_in)) of every conv weight from a seeded generator, so the same
 * seed gives the same untrained model on every platform.
 */
export function initializeEnhanceWeights(
  architecture: Architecture,
  { seed, batchNorm = 'identity', bias = 'zero' }: InitializeOptions,
): Record<string, Float32Array> {
  const random = createRandom(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const weights: Record<string, Float32Array> = {};
  for (const spec of enhanceParameterSpecs(architecture)) {
    const size = spec.shape.reduce((p, d) => p * d, 1);
    const values = new Float32Array(size);
    const randomStats = batchNorm === 'random';
    for (let i = 0; i < size; i++) {
      switch (spec.role) {
        case 'conv-weight':
          values[i] = Math.sqrt(2 / spec.fanIn) * gaussianDeviate(random);
          break;
        case 'conv-bias':
          values[i] = bias === 'random' ? uniform(-0.2, 0.2) : 0;
          break;
        case 'bn-gamma':
          values[i] = randomStats ? uniform(0.5, 1.5) : 1;
          break;
        case 'bn-beta':
          values[i] = randomStats ? uniform(-0.3, 0.3) : 0;
          break;
        case 'bn-mean':
          values[i] = randomStats ? uniform(-0.3, 0.3) : 0;
          break;
        case 'bn-var':
          values[i] = randomStats ? uniform(0.3, 2) : 1;
          break;
      }
    }
    weights[spec.name] = values;
  }
  return weights;
}

/** Checks that `weights` holds exactly the parameters of the architecture, with the right sizes. */
export function validateEnhanceWeights(weights: EnhanceWeights, architecture: Architecture, { foldedBatchNorm = false } = {}): void {
  const specs = enhanceParameterSpecs(architecture, { foldedBatchNorm });
  const expected = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const values = weights[spec.name];
    const size = spec.shape.reduce((p, d) => p * d, 1);
    if (!values) {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_PARAMETER',
        message: `parameter '${spec.name}' is missing`,
        details: { name: spec.name, shape: spec.shape },
      });
    }
    if (!(values instanceof Float32Array) || values.length !== size) {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_PARAMETER',
        message: `parameter '${spec.name}' must hold ${size} float32 values [${spec.shape.join(',')}], got ${values.length}`,
        details: { name: spec.name, shape: spec.shape, length: values.length },
      });
    }
  }
  const extra = Object.keys(weights).filter((name) => !expected.has(name));
  if (extra.length > 0) {
    throw new EnhanceNetworkError({ code: 'ENHANCE_PARAMETER', message: `unexpected parameters: ${extra.join(', ')}`, details: { extra } });
  }
}

/**
 * Folds each batch norm into the conv before it: w' = w·s, b' = (b − μ)·s + β with s = γ / √(σ² + ε),
 * per output channel, computed in float64 and rounded once to float32.
 */
export function foldEnhanceBatchNorm(
  weights: EnhanceWeights,
  architecture: Architecture,
  epsilon = ENHANCE_BATCH_NORM_EPSILON,
): Record<string, Float32Array> {
  validateEnhanceWeights(weights, architecture);
  const folded: Record<string, Float32Array> = {};
  for (const spec of enhanceParameterSpecs(architecture, { foldedBatchNorm: true })) folded[spec.name] = weights[spec.name].slice();
  for (const { batchNorm, conv } of enhanceBatchNormPairs(architecture)) {
    const gamma = weights[`${batchNorm}.gamma`];
    const beta = weights[`${batchNorm}.beta`];
    const mean = weights[`${batchNorm}.mean`];
    const variance = weights[`${batchNorm}.var`];
    const w = weights[`${conv}.weight`];
    const bias = weights[`${conv}.bias`];
    const perChannel = w.length / bias.length;
    const foldedWeight = folded[`${conv}.weight`];
    const foldedBias = folded[`${conv}.bias`];
    for (let c = 0; c < bias.length; c++) {
      const scale = gamma[c] / Math.sqrt(variance[c] + epsilon);
      for (let k = 0; k < perChannel; k++) foldedWeight[c * perChannel + k] = w[c * perChannel + k] * scale;
      foldedBias[c] = (bias[c] - mean[c]) * scale + beta[c];
    }
  }
  return folded;
}
