import { describe, expect, test } from 'vitest';
import { enhanceReferenceForward } from './enhance-reference.js';
import { foldEnhanceBatchNorm, initializeEnhanceWeights } from './enhance-weights.js';
import { removeZeroFieldOffset, zeroFieldResponse } from './zero-field-offset.js';

const architecture = { depth: 2, filters: 8 };

/** Random weights (batch norms unfolded) with non-zero biases and shifts (He init leaves them 0, which hides the offset). */
function weightsWithBiases(seed: number) {
  const weights = { ...initializeEnhanceWeights(architecture, { seed }) };
  let k = 1;
  for (const name of Object.keys(weights)) {
    if (name.endsWith('.bias') || name.endsWith('.beta')) weights[name] = Float32Array.from(weights[name], () => 0.05 * Math.sin(k++));
  }
  return weights;
}

describe('zero-field offset', () => {
  const weights = weightsWithBiases(3);
  const zeros = { width: 9, height: 7, data: new Float64Array(63) };

  test('a zero input gives one constant out, the zero-field response', () => {
    const out = enhanceReferenceForward(zeros, weights, architecture);
    const offset = zeroFieldResponse(weights, architecture);
    expect(Math.abs(offset)).toBeGreaterThan(1e-3);
    for (const v of out.data) expect(v).toBeCloseTo(offset, 12);
  });

  test('removing it makes zero map to zero and moves every other output by exactly −offset', () => {
    const { weights: corrected, offset } = removeZeroFieldOffset(weights, architecture);
    for (const v of enhanceReferenceForward(zeros, corrected, architecture).data) expect(Math.abs(v)).toBeLessThan(1e-7);
    const image = { width: 9, height: 7, data: Float64Array.from({ length: 63 }, (_, i) => Math.sin(i) * 0.3) };
    const before = enhanceReferenceForward(image, weights, architecture).data;
    const after = enhanceReferenceForward(image, corrected, architecture).data;
    for (let i = 0; i < before.length; i++) expect(after[i] - before[i]).toBeCloseTo(-offset, 6);
    // Only the last bias changed; the input weights are not modified.
    for (const name of Object.keys(weights)) if (name !== 'conv_out.bias') expect(corrected[name]).toBe(weights[name]);
    expect(weights['conv_out.bias'][0]).not.toBe(corrected['conv_out.bias'][0]);
  });

  test('the same offset with batch norms folded into the convs', () => {
    const folded = foldEnhanceBatchNorm(weights, architecture);
    expect(zeroFieldResponse(folded, architecture)).toBeCloseTo(zeroFieldResponse(weights, architecture), 6);
  });
});
