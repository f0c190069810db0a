import type { Architecture } from '@enhance/core';
import { ENHANCE_BATCH_NORM_EPSILON } from './enhance-parameter-specs.js';
import type { EnhanceWeights } from './enhance-weights.js';

/** A stack of feature maps in float64: data[(c · height + y) · width + x]. */
export interface ReferenceFeatures {
  channels: number;
  height: number;
  width: number;
  data: Float64Array;
}

/**
 * Test support: the Enhance keepsize network as a plain float64 forward pass, written with loops and
 * its own padding and resampling rather than through the graph builder, so that ONNX models (built
 * here, converted from Keras, or run by a runtime) can be checked against it. Handles folded weights
 * (no `*.gamma` entries) as well. Slow: for small images only.
 */
export function enhanceReferenceForward(
  image: { height: number; width: number; data: ArrayLike<number> },
  weights: EnhanceWeights,
  architecture: Architecture,
  epsilon = ENHANCE_BATCH_NORM_EPSILON,
): { height: number; width: number; data: Float64Array } {
  const { depth } = architecture;
  const input: ReferenceFeatures = { channels: 1, height: image.height, width: image.width, data: Float64Array.from(image.data) };
  const batchNorm = (x: ReferenceFeatures, layer: string) =>
    weights[`${layer}.gamma`] ? referenceBatchNorm(x, weights, layer, epsilon) : x;

  const x0 = referenceRelu(referenceConv(referenceReflectPad(input), weights, 'conv_in'));
  let h = x0;
  for (let i = 0; i < depth; i++) {
    const block = `blocks.${i}`;
    const inner = referenceRelu(batchNorm(referenceConv(referenceReflectPad(h), weights, `${block}.conv1`), `${block}.bn1`));
    h = referenceAdd(batchNorm(referenceConv(referenceReflectPad(inner), weights, `${block}.conv2`), `${block}.bn2`), h);
  }
  const z = referenceAdd(batchNorm(referenceConv(referenceReflectPad(h), weights, 'conv_mid'), 'bn_mid'), x0);
  const up = referenceRelu(referenceConv(referenceReflectPad(referenceNearestUpsample2(z)), weights, 'conv_up'));
  const out = referenceConv(up, weights, 'conv_out');
  return { height: out.height, width: out.width, data: out.data };
}

/** 1-pixel reflection padding that excludes the edge pixel: row −1 is row 1, row H is row H − 2. */
export function referenceReflectPad(x: ReferenceFeatures): ReferenceFeatures {
  const height = x.height + 2;
  const width = x.width + 2;
  const data = new Float64Array(x.channels * height * width);
  const mirror = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  for (let c = 0; c < x.channels; c++) {
    for (let y = 0; y < height; y++) {
      const sy = mirror(y - 1, x.height);
      for (let xx = 0; xx < width; xx++) {
        const sx = mirror(xx - 1, x.width);
        data[(c * height + y) * width + xx] = x.data[(c * x.height + sy) * x.width + sx];
      }
    }
  }
  return { channels: x.channels, height, width, data };
}

/** Valid (unpadded) convolution with the kernel size of `<layer>.weight` (out, in, k, k), plus bias. */
export function referenceConv(x: ReferenceFeatures, weights: EnhanceWeights, layer: string): ReferenceFeatures {
  const w = weights[`${layer}.weight`];
  const bias = weights[`${layer}.bias`];
  const outChannels = bias.length;
  const kernel = Math.round(Math.sqrt(w.length / (outChannels * x.channels)));
  const height = x.height - kernel + 1;
  const width = x.width - kernel + 1;
  const data = new Float64Array(outChannels * height * width);
  for (let o = 0; o < outChannels; o++) {
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < width; xx++) {
        let sum = bias[o];
        for (let c = 0; c < x.channels; c++) {
          for (let ky = 0; ky < kernel; ky++) {
            for (let kx = 0; kx < kernel; kx++) {
              sum += w[((o * x.channels + c) * kernel + ky) * kernel + kx] * x.data[(c * x.height + y + ky) * x.width + xx + kx];
            }
          }
        }
        data[(o * height + y) * width + xx] = sum;
      }
    }
  }
  return { channels: outChannels, height, width, data };
}

/** y = γ (x − μ) / √(σ² + ε) + β per channel. */
export function referenceBatchNorm(x: ReferenceFeatures, weights: EnhanceWeights, layer: string, epsilon: number): ReferenceFeatures {
  const gamma = weights[`${layer}.gamma`];
  const beta = weights[`${layer}.beta`];
  const mean = weights[`${layer}.mean`];
  const variance = weights[`${layer}.var`];
  const plane = x.height * x.width;
  const data = new Float64Array(x.data.length);
  for (let c = 0; c < x.channels; c++) {
    const scale = gamma[c] / Math.sqrt(variance[c] + epsilon);
    for (let i = 0; i < plane; i++) data[c * plane + i] = (x.data[c * plane + i] - mean[c]) * scale + beta[c];
  }
  return { ...x, data };
}

/** Each pixel repeated into a 2×2 block. */
export function referenceNearestUpsample2(x: ReferenceFeatures): ReferenceFeatures {
  const height = 2 * x.height;
  const width = 2 * x.width;
  const data = new Float64Array(x.channels * height * width);
  for (let c = 0; c < x.channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < width; xx++) {
        data[(c * height + y) * width + xx] = x.data[(c * x.height + (y >> 1)) * x.width + (xx >> 1)];
      }
    }
  }
  return { channels: x.channels, height, width, data };
}

function referenceRelu(x: ReferenceFeatures): ReferenceFeatures {
  return { ...x, data: x.data.map((v) => (v > 0 ? v : 0)) };
}

function referenceAdd(a: ReferenceFeatures, b: ReferenceFeatures): ReferenceFeatures {
  return { ...a, data: a.data.map((v, i) => v + b.data[i]) };
}
