import type { Architecture } from '@enhance/core';
import { ENHANCE_BATCH_NORM_EPSILON } from './enhance-parameter-specs.js';
import { enhanceReferenceForward } from './enhance-reference.js';
import type { EnhanceWeights } from './enhance-weights.js';

/**
 * What the network gives for an input that is zero everywhere. With reflect padding a constant input
 * stays constant through every layer, so the answer is one number: the network's output offset. For a
 * magnetogram network it should be 0 — no field in, no field out — but nothing in a ReLU network with
 * biases makes it so, and a trained one is off by a few gauss: added to every quiet-Sun pixel, that
 * offset alone raises weak-field |B| by tens of per cent. Computed in float64 on a 2×2 input.
 */
export function zeroFieldResponse(weights: EnhanceWeights, architecture: Architecture, epsilon = ENHANCE_BATCH_NORM_EPSILON): number {
  const output = enhanceReferenceForward({ width: 2, height: 2, data: new Float64Array(4) }, weights, architecture, epsilon);
  return output.data[0];
}

/**
 * The weights with the zero-field response taken out of the last convolution's bias (the last layer is
 * linear, so every output moves by exactly −offset), and the offset removed, in the network's units.
 */
export function removeZeroFieldOffset(
  weights: EnhanceWeights,
  architecture: Architecture,
  epsilon = ENHANCE_BATCH_NORM_EPSILON,
): { weights: Record<string, Float32Array>; offset: number } {
  const offset = zeroFieldResponse(weights, architecture, epsilon);
  const corrected: Record<string, Float32Array> = { ...weights };
  const bias = Float32Array.from(weights['conv_out.bias']);
  bias[0] = Math.fround(bias[0] - offset);
  corrected['conv_out.bias'] = bias;
  return { weights: corrected, offset };
}
