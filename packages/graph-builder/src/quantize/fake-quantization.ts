import type { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';
import { QuantizationError } from './quantization-error.js';
import { activationQuantization, INT8_WEIGHT_MAX, type ActivationRange } from './quantization-parameters.js';

/**
 * The int8 arithmetic of `quantizeEnhanceModel`, simulated in a float32 graph for quantisation-aware
 * training: every tensor that the int8 model puts on a uint8 grid goes through QuantizeLinear →
 * DequantizeLinear with the same scale and zero point, and the quantised convs read their weights
 * rounded to int8 per output channel (max |w| ↦ 127, recomputed from the weights as they train).
 * The gradients go straight through the rounding (see `quantizeLinearGradient`).
 */
export interface EnhanceFakeQuantization {
  /** The calibrated range of every activation the int8 model quantises (`quantizationPlan(...).tensors`). */
  ranges: ReadonlyMap<string, ActivationRange>;
  /** Conv nodes left in float32, as for `quantizeEnhanceModel` (default `DEFAULT_FLOAT32_LAYERS`). */
  float32Layers?: readonly string[];
}

/** x on the uint8 grid of its calibrated range, back in float32. */
export function fakeQuantizeActivation(b: GraphBuilder, x: Operand, range: ActivationRange, name: string): Operand {
  const { scale, zeroPoint } = activationQuantization(range, name);
  const s = b.initializer(`${name}.fq_scale`, Float32Array.of(scale), []);
  const z = b.initializer(`${name}.fq_zero_point`, Uint8Array.of(zeroPoint), [], 'uint8');
  const q = b.quantizeLinear(x, s, z, { label: `${name}.fq_quantize` });
  return b.dequantizeLinear(q, s, z, { label: `${name}.fq` });
}

/**
 * Conv weights [O, ...] rounded to int8 with one scale per output channel, max |w| / 127 (1 for a
 * channel of zeros), as `quantizeWeightsPerChannel` does.
 */
export function fakeQuantizeWeights(b: GraphBuilder, w: Operand, layer: string): Operand {
  const outChannels = w.shape[0];
  if (typeof outChannels !== 'number' || w.shape.length < 2) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      message: `weights of '${layer}' must be [O, ...] with O known, got [${w.shape.join(',')}]`,
      details: { layer, shape: w.shape },
    });
  }
  const axes = w.shape.slice(1).map((_, i) => i + 1);
  const largest = b.reduceMax(b.abs(w), { axes, keepDims: false, label: `${layer}.fq_largest` });
  const zero = b.scalar(0);
  const scale = b.where(b.greater(largest, zero), b.div(largest, b.scalar(INT8_WEIGHT_MAX)), b.scalar(1), {
    label: `${layer}.fq_weight_scale`,
  });
  const z = b.initializer(`${layer}.fq_weight_zero_point`, new Int8Array(outChannels), [outChannels], 'int8');
  const q = b.quantizeLinear(w, scale, z, { axis: 0, label: `${layer}.fq_weight_quantize` });
  return b.dequantizeLinear(q, scale, z, { axis: 0, label: `${layer}.fq_weight` });
}
