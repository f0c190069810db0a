// Test support: the Enhance network with int8 weights and uint8 activations simulated in float64, written
// out by hand from the fp32 weights and the calibrated ranges (not from the quantised ONNX file), so the
// QDQ graph onnxruntime runs can be checked against what the quantisation is meant to compute.
import type { Architecture } from '@enhance/core';
import { referenceConv, referenceNearestUpsample2, referenceReflectPad, type ReferenceFeatures } from '../networks/enhance-reference.js';
import type { EnhanceWeights } from '../networks/enhance-weights.js';

export interface SimulatedQuantization {
  ranges: ReadonlyMap<string, { min: number; max: number }>;
  channelMeans: ReadonlyMap<string, ArrayLike<number>>;
}

/** Round half to even, the rounding of ONNX QuantizeLinear. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function grid(range: { min: number; max: number }) {
  const low = Math.min(0, range.min);
  const high = Math.max(0, range.max);
  const scale = Math.fround(high > low ? (high - low) / 255 : 1);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-low / scale))) };
}

/** Onto the uint8 grid of `name` and back. */
function fakeQuantize(x: ReferenceFeatures, name: string, q: SimulatedQuantization): ReferenceFeatures & { scale: number } {
  const { scale, zeroPoint } = grid(q.ranges.get(name)!);
  const data = x.data.map((v) => scale * (Math.min(255, Math.max(0, rint(v / scale) + zeroPoint)) - zeroPoint));
  return { ...x, data, scale };
}

/** Weights rounded per output channel, the bias corrected for their mean error and put on the accumulator grid. */
function integerLayer(weights: EnhanceWeights, layer: string, inputScale: number, inputMeans: ArrayLike<number>): EnhanceWeights {
  const w = weights[`${layer}.weight`];
  const b = weights[`${layer}.bias`];
  const out = b.length;
  const per = w.length / out;
  const kernel = per / inputMeans.length;
  const wq = new Float32Array(w.length);
  const bq = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let largest = 0;
    for (let i = 0; i < per; i++) largest = Math.max(largest, Math.abs(w[o * per + i]));
    const s = Math.fround(Math.max(largest > 0 ? largest / 127 : 1, Math.abs(b[o]) / (inputScale * 2 ** 30)));
    let shift = 0;
    for (let i = 0; i < per; i++) {
      wq[o * per + i] = s * Math.max(-127, Math.min(127, rint(w[o * per + i] / s)));
      shift += (wq[o * per + i] - w[o * per + i]) * inputMeans[Math.floor(i / kernel)];
    }
    const biasScale = Math.fround(inputScale * s);
    bq[o] = biasScale * rint(Math.fround(b[o] - shift) / biasScale);
  }
  return { [`${layer}.weight`]: wq, [`${layer}.bias`]: bq };
}

const relu = (x: ReferenceFeatures): ReferenceFeatures => ({ ...x, data: x.data.map((v) => Math.max(0, v)) });
const add = (a: ReferenceFeatures, b: ReferenceFeatures): ReferenceFeatures => ({ ...a, data: a.data.map((v, i) => v + b.data[i]) });

/**
 * The quantised network of quantizeEnhanceModel's defaults (conv_in, blocks.0.conv1 and conv_out in
 * float32, residual adds in float32, bias correction), weights folded.
 */
export function quantizedEnhanceReference(
  image: { height: number; width: number; data: ArrayLike<number> },
  weights: EnhanceWeights,
  { depth }: Architecture,
  q: SimulatedQuantization,
): { height: number; width: number; data: Float64Array } {
  const input: ReferenceFeatures = { channels: 1, height: image.height, width: image.width, data: Float64Array.from(image.data) };
  const integerConv = (x: ReferenceFeatures, calibrated: string, layer: string, pad = true) => {
    const xq = fakeQuantize(x, calibrated, q);
    const padded = pad ? referenceReflectPad(xq) : xq;
    return referenceConv(padded, integerLayer(weights, layer, xq.scale, q.channelMeans.get(calibrated)!), layer);
  };
  const x0 = relu(referenceConv(referenceReflectPad(input), weights, 'conv_in'));
  let h = x0;
  let hName = 'conv_in.relu';
  for (let i = 0; i < depth; i++) {
    const block = `blocks.${i}`;
    const inner =
      i === 0
        ? relu(referenceConv(referenceReflectPad(h), weights, `${block}.conv1`))
        : fakeQuantize(relu(integerConv(h, hName, `${block}.conv1`)), `${block}.relu`, q);
    const branch = fakeQuantize(integerConv(inner, `${block}.relu`, `${block}.conv2`), `${block}.conv2`, q);
    h = add(branch, h);
    hName = `${block}.add`;
  }
  const z = add(fakeQuantize(integerConv(h, hName, 'conv_mid'), 'conv_mid', q), x0);
  const zq = fakeQuantize(z, 'skip.add', q);
  const up = referenceConv(
    referenceReflectPad(referenceNearestUpsample2(zq)),
    integerLayer(weights, 'conv_up', zq.scale, q.channelMeans.get('skip.add')!),
    'conv_up',
  );
  const upq = fakeQuantize(relu(up), 'conv_up.relu', q);
  const out = referenceConv(upq, weights, 'conv_out');
  return { height: out.height, width: out.width, data: out.data };
}
