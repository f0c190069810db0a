// Test support: the Enhance network with int8 weights and uint8 activations simulated in float64, written
// out by hand from the fp32 weights and the calibrated ranges (not from the quantised ONNX file), so the
// QDQ graph onnxruntime runs can be checked against what the quantisation is meant to compute.
import type { Architecture } from '@enhance/core';
import { referenceConv, referenceNearestUpsample2, referenceReflectPad, type ReferenceFeatures } from '../networks/enhance-reference.js';
import type { EnhanceWeights } from '../networks/enhance-weights.js';

export interface SimulatedQuantization {
  ranges: ReadonlyMap<string, { min: number; max: number }>;
  channelMeans: ReadonlyMap<string, ArrayLike<number>>;
  /**
   * The ×2 tail of the model quantised: 'phases' (createEnhanceModel's default) rounds the 2×2 phase
   * kernels of conv_up per phase channel, 'resize' its 3×3 kernel.
   */
  upsampling?: 'resize' | 'phases';
}

/**
 * conv_up's four phase kernels [4F, F, 2, 2] (phase (a, b) at channels (2a + b)·F …): output pixel
 * (2i + a, 2j + b) of a 3×3 conv on the nearest ×2 image reads upsampled row 2i + a + dy (dy = −1, 0, 1),
 * which is input row i + floor((a + dy) / 2); the phase kernel's row t counts from the lowest such row.
 */
function phaseKernels(weights: EnhanceWeights, filters: number): EnhanceWeights {
  const w = weights['conv_up.weight'];
  const bias = weights['conv_up.bias'];
  const phase = new Float32Array(4 * filters * filters * 4);
  for (let a = 0; a < 2; a++)
    for (let b = 0; b < 2; b++)
      for (let o = 0; o < filters; o++)
        for (let c = 0; c < filters; c++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const t = Math.floor((a + ky - 1) / 2) - (a === 0 ? -1 : 0);
              const u = Math.floor((b + kx - 1) / 2) - (b === 0 ? -1 : 0);
              phase[((((2 * a + b) * filters + o) * filters + c) * 2 + t) * 2 + u] += w[((o * filters + c) * 3 + ky) * 3 + kx];
            }
  const phaseBias = new Float32Array(4 * filters);
  for (let k = 0; k < 4; k++) phaseBias.set(bias, k * filters);
  return { 'conv_up.weight': phase, 'conv_up.bias': phaseBias };
}

/** Edge (replicate) padding by one pixel. */
function edgePad(x: ReferenceFeatures): ReferenceFeatures {
  const [height, width] = [x.height + 2, x.width + 2];
  const data = new Float64Array(x.channels * height * width);
  for (let c = 0; c < x.channels; c++)
    for (let y = 0; y < height; y++)
      for (let xx = 0; xx < width; xx++) {
        const sy = Math.min(x.height - 1, Math.max(0, y - 1));
        const sx = Math.min(x.width - 1, Math.max(0, xx - 1));
        data[(c * height + y) * width + xx] = x.data[(c * x.height + sy) * x.width + sx];
      }
  return { channels: x.channels, height, width, data };
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
  if (q.upsampling === 'phases') {
    const filters = z.channels;
    const kernels = phaseKernels(weights, filters);
    // [4F, H + 1, W + 1]: phase (a, b) of output pixel (2i + a, 2j + b) at row i + a, column j + b.
    const phases = relu(referenceConv(edgePad(zq), integerLayer(kernels, 'conv_up', zq.scale, q.channelMeans.get('skip.add')!), 'conv_up'));
    const phasesq = fakeQuantize(phases, 'conv_up.relu', q);
    const [height, width] = [2 * z.height, 2 * z.width];
    const data = new Float64Array(height * width);
    const w = weights['conv_out.weight'];
    const plane = phasesq.height * phasesq.width;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [a, b] = [y % 2, x % 2];
        const at = (Math.floor(y / 2) + a) * phasesq.width + Math.floor(x / 2) + b;
        let sum = weights['conv_out.bias'][0];
        for (let c = 0; c < filters; c++) sum += w[c] * phasesq.data[((2 * a + b) * filters + c) * plane + at];
        data[y * width + x] = sum;
      }
    return { height, width, data };
  }
  const up = referenceConv(
    referenceReflectPad(referenceNearestUpsample2(zq)),
    integerLayer(weights, 'conv_up', zq.scale, q.channelMeans.get('skip.add')!),
    'conv_up',
  );
  const upq = fakeQuantize(relu(up), 'conv_up.relu', q);
  const out = referenceConv(upq, weights, 'conv_out');
  return { height: out.height, width: out.width, data: out.data };
}
