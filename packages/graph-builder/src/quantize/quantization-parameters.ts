import { QuantizationError } from './quantization-error.js';

/** A value range seen in calibration, in the tensor's float units. */
export interface ActivationRange {
  min: number;
  max: number;
}

/** Affine uint8 quantisation of one tensor: real = scale · (q − zeroPoint), q ∈ [0, 255]. */
export interface ActivationQuantization {
  scale: number;
  zeroPoint: number;
}

/** Symmetric int8 quantisation per output channel (axis 0): real = scale[o] · q, q ∈ [−127, 127]. */
export interface ChannelQuantizedWeights {
  data: Int8Array;
  scales: Float32Array;
}

export const UINT8_MAX = 255;
/** −128 is left out so that the grid is symmetric and −q is always representable. */
export const INT8_WEIGHT_MAX = 127;
const INT32_MAX = 2 ** 31 - 1;

/**
 * The smallest weight scale per channel that keeps the bias within ±2³⁰ on the grid inputScale × weight
 * scale (half of int32, leaving room for the sums the bias is added to).
 */
export function minimumWeightScalesForBias(bias: Float32Array, inputScale: number): Float64Array {
  return Float64Array.from(bias, (b) => Math.abs(b) / (inputScale * 2 ** 30));
}

/**
 * uint8 parameters covering `range`, stretched to contain 0 so that 0 (reflect padding's partner, the
 * ReLU floor, the off-disk fill) is exactly representable. A non-negative range gets zero point 0, which
 * is what lets onnxruntime drop the ReLU before it (the Q clamps at 0 anyway).
 */
export function activationQuantization(range: ActivationRange, name = 'tensor'): ActivationQuantization {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new QuantizationError({
      code: 'QUANTIZE_CALIBRATION',
      message: `'${name}': calibration range [${range.min}, ${range.max}] is not a finite interval`,
      details: { name, range },
    });
  }
  const low = Math.min(0, range.min);
  const high = Math.max(0, range.max);
  // fround: the scale is stored as float32, and the zero point must be computed from the stored value.
  const scale = Math.fround(high > low ? (high - low) / UINT8_MAX : 1);
  const zeroPoint = Math.min(UINT8_MAX, Math.max(0, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

/** onnxruntime's QuantizeLinear to uint8: round half to even, then saturate. */
export function quantizeToUint8(value: number, { scale, zeroPoint }: ActivationQuantization): number {
  return Math.min(UINT8_MAX, Math.max(0, roundHalfToEven(value / scale) + zeroPoint));
}

export function roundHalfToEven(value: number): number {
  const rounded = Math.round(value);
  // Math.round sends x.5 up; for an exact tie pick the even neighbour.
  return Math.abs(value % 1) === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/**
 * Weights [outChannels, ...] as int8 with one scale per output channel, max |w| ↦ 127. A channel of
 * zeros gets scale 1 (any scale reproduces it). `minimumScales` raises a channel's scale where the
 * bias would not fit int32 on the accumulator grid otherwise (a dead filter with weights ~1e-13).
 */
export function quantizeWeightsPerChannel(
  weights: Float32Array,
  outChannels: number,
  name = 'weight',
  minimumScales?: ArrayLike<number>,
): ChannelQuantizedWeights {
  if (!Number.isInteger(outChannels) || outChannels < 1 || weights.length % outChannels !== 0) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      message: `'${name}': ${weights.length} weights do not split into ${outChannels} output channels`,
      details: { name, length: weights.length, outChannels },
    });
  }
  const perChannel = weights.length / outChannels;
  const data = new Int8Array(weights.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let largest = 0;
    for (let i = o * perChannel; i < (o + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(weights[i]));
    const scale = Math.fround(Math.max(largest > 0 ? largest / INT8_WEIGHT_MAX : 1, minimumScales?.[o] ?? 0));
    scales[o] = scale;
    for (let i = o * perChannel; i < (o + 1) * perChannel; i++) {
      data[i] = Math.max(-INT8_WEIGHT_MAX, Math.min(INT8_WEIGHT_MAX, roundHalfToEven(weights[i] / scale)));
    }
  }
  return { data, scales };
}

/**
 * The bias as int32 on the accumulator's grid (scale inputScale · weightScale[o], zero point 0): what
 * QLinearConv adds to the integer sums, so the Conv can run entirely in integers.
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
  name = 'bias',
): { data: Int32Array; scales: Float32Array } {
  const data = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let o = 0; o < bias.length; o++) {
    scales[o] = Math.fround(inputScale * weightScales[o]);
    const q = roundHalfToEven(bias[o] / scales[o]);
    if (!(Math.abs(q) <= INT32_MAX)) {
      throw new QuantizationError({
        code: 'QUANTIZE_MODEL',
        message: `'${name}'[${o}] = ${bias[o]} does not fit int32 on the grid ${scales[o]} (input scale ${inputScale} × weight scale ${weightScales[o]})`,
        details: { name, channel: o, bias: bias[o], scale: scales[o] },
      });
    }
    data[o] = q;
  }
  return { data, scales };
}
