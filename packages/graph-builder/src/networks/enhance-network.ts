import type { Architecture } from '@enhance/core';
import type { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';
import { enhanceParameterSpecs, ENHANCE_BATCH_NORM_EPSILON, type EnhanceParameterSpec } from './enhance-parameter-specs.js';
import { EnhanceNetworkError } from './enhance-network-error.js';
import { fakeQuantizeActivation, fakeQuantizeWeights, type EnhanceFakeQuantization } from '../quantize/fake-quantization.js';
import { DEFAULT_FLOAT32_LAYERS } from '../quantize/quantize-enhance-model.js';

export interface EnhanceNetworkOptions {
  architecture: Architecture;
  /**
   * Supplies each parameter as an operand: an initializer for inference models, a graph input for
   * training graphs. Called once per parameter, in `enhanceParameterSpecs` order.
   */
  parameter: (spec: EnhanceParameterSpec) => Operand;
  /** The batch norms are already folded into the convs: no BatchNormalization nodes, no bn parameters. */
  foldedBatchNorm?: boolean;
  epsilon?: number;
  /**
   * 'moving' (inference): batch norms use the stored moving statistics. 'batch' (training, as Keras'
   * training phase): they use the batch statistics and report the updated moving ones.
   */
  batchNormMode?: 'moving' | 'batch';
  /** Moving-average momentum of 'batch' mode (Keras: 0.99). */
  momentum?: number;
  /** In 'batch' mode, receives the updated moving statistic for each `<layer>.mean` / `<layer>.var`. */
  onMovingStatistic?: (name: string, operand: Operand) => void;
  /**
   * Simulates the int8 model `quantizeEnhanceModel` makes of this network (float32 residual adds), for
   * quantisation-aware training: the tensors it puts on uint8 grids and the int8 weights of its
   * quantised convs go through QuantizeLinear → DequantizeLinear. Needs `foldedBatchNorm`.
   */
  fakeQuantization?: EnhanceFakeQuantization;
  /**
   * How the ×2 tail (nearest ×2, reflect pad, conv_up, ReLU, conv_out) is computed; both give the same
   * values (to float32 rounding).
   * - 'resize' (default): as written, conv_up's 3×3 kernel on the upsampled grid.
   * - 'phases': each of the four output phases (row and column parity) of a 3×3 conv on a nearest ×2
   *   image is a 2×2 conv on the original grid with summed taps, and the reflect pad of the upsampled
   *   image is an edge pad of the original. So conv_up becomes one 2×2 conv F → 4F on the edge-padded
   *   low-resolution grid (16 multiply-adds per weight pair and input pixel instead of 36), conv_out
   *   (1×1) runs on each phase (one conv 4F → 4 with block-diagonal weights), and a DepthToSpace interleaves the four
   *   one-channel phases (after a Split and per-phase Slices). The phase weights are computed in the graph from `conv_up.weight` (constant
   *   operations, folded by onnxruntime when the session is made), so the model keeps the network's own
   *   parameters under their names. Training graphs may use it too: the autodiff has rules for every op
   *   it uses (MatMul, Split, Slice, Concat, DepthToSpace, edge Pad).
   */
  upsampling?: EnhanceUpsampling;
}

export type EnhanceUpsampling = 'resize' | 'phases';
export const ENHANCE_UPSAMPLINGS: readonly EnhanceUpsampling[] = Object.freeze(['resize', 'phases']);

/**
 * The "keepsize" Enhance network on `image` [N, 1, H, W] → [N, 1, 2H, 2W]:
 * x0 = ReLU(conv_in(pad(x))); N residual blocks y = BN(conv2(pad(ReLU(BN(conv1(pad(in))))))) + in, with no
 * ReLU after the add; z = BN(conv_mid(pad(blocks))) + x0; nearest ×2; ReLU(conv_up(pad(·))); conv_out 1×1.
 * Every 3×3 conv is preceded by a 1-pixel reflection pad, so H×W is kept.
 */
export function buildEnhanceNetwork(b: GraphBuilder, image: Operand, options: EnhanceNetworkOptions): Operand {
  const {
    architecture,
    foldedBatchNorm = false,
    epsilon = ENHANCE_BATCH_NORM_EPSILON,
    batchNormMode = 'moving',
    momentum = 0.99,
  } = options;
  const { depth, filters } = architecture;
  if (!Number.isInteger(depth) || depth < 0 || !Number.isInteger(filters) || filters < 1) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: `invalid architecture depth ${depth}, filters ${filters}`,
      details: { depth, filters },
    });
  }
  if (image.shape.length !== 4 || image.shape[1] !== 1) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: `the input must be [N, 1, H, W], got [${image.shape.join(',')}]`,
      details: { shape: image.shape },
    });
  }
  const operands = new Map<string, Operand>();
  for (const spec of enhanceParameterSpecs(architecture, { foldedBatchNorm })) {
    const operand = options.parameter(spec);
    if (operand.shape.length !== spec.shape.length || operand.shape.some((d, i) => d !== spec.shape[i])) {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_PARAMETER',
        message: `parameter '${spec.name}' must be [${spec.shape.join(',')}], got [${operand.shape.join(',')}]`,
        details: { name: spec.name, expected: spec.shape, actual: operand.shape },
      });
    }
    operands.set(spec.name, operand);
  }
  const parameter = (name: string) => operands.get(name)!;
  const fake = fakeQuantizationOf(b, options, foldedBatchNorm);
  const reflectPad = (x: Operand, layer: string) => b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect', label: `${layer}.pad` });
  // `input` names x as the int8 model's tensor; null: x is already on its grid (resize keeps it).
  const conv3x3 = (x: Operand, layer: string, input: string | null) => {
    const quantized = fake?.quantizes(layer) ?? false;
    const weight = parameter(`${layer}.weight`);
    const grid = quantized && input !== null ? fake!.activation(x, input) : x;
    return b.conv(reflectPad(grid, layer), quantized ? fakeQuantizeWeights(b, weight, layer) : weight, {
      bias: parameter(`${layer}.bias`),
      label: layer,
    });
  };
  // The output of a quantised conv (after its ReLU) is on a grid for every reader.
  const convOutput = (y: Operand, layer: string, name: string) => (fake?.quantizes(layer) ? fake.activation(y, name) : y);
  const batchNorm = (x: Operand, layer: string) => {
    if (foldedBatchNorm) return x;
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'mean', 'var'].map((p) => parameter(`${layer}.${p}`));
    if (batchNormMode === 'moving') return b.batchNormalization(x, gamma, beta, mean, variance, { epsilon, label: layer });
    const result = b.batchNormalizationTraining(x, gamma, beta, mean, variance, { epsilon, momentum, label: layer });
    options.onMovingStatistic?.(`${layer}.mean`, result.runningMean);
    options.onMovingStatistic?.(`${layer}.var`, result.runningVar);
    return result.output;
  };

  const x0 = convOutput(b.relu(conv3x3(image, 'conv_in', image.name), { label: 'conv_in.relu' }), 'conv_in', 'conv_in.relu');
  let h = x0;
  let hName = 'conv_in.relu';
  for (let i = 0; i < depth; i++) {
    const block = `blocks.${i}`;
    const inner = convOutput(
      b.relu(batchNorm(conv3x3(h, `${block}.conv1`, hName), `${block}.bn1`), { label: `${block}.relu` }),
      `${block}.conv1`,
      `${block}.relu`,
    );
    const residual = convOutput(
      batchNorm(conv3x3(inner, `${block}.conv2`, `${block}.relu`), `${block}.bn2`),
      `${block}.conv2`,
      `${block}.conv2`,
    );
    h = b.add(residual, h, { label: `${block}.add` });
    hName = `${block}.add`;
  }
  const z = b.add(convOutput(batchNorm(conv3x3(h, 'conv_mid', hName), 'bn_mid'), 'conv_mid', 'conv_mid'), x0, { label: 'skip.add' });
  if (fake?.quantizes('conv_out')) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: "conv_out gives the network's output, which stays float32: keep it among the float32 layers",
      details: {},
    });
  }
  const upsampling = options.upsampling ?? 'resize';
  if (!ENHANCE_UPSAMPLINGS.includes(upsampling)) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: `upsampling = ${JSON.stringify(upsampling)} is invalid: expected 'resize' | 'phases'`,
      details: { upsampling },
    });
  }
  const skip = fake?.quantizes('conv_up') ? fake.activation(z, 'skip.add') : z;
  if (upsampling === 'phases') {
    const padded = b.pad(skip, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'edge', label: 'conv_up.pad' });
    const four = (x: Operand, label: string) => b.concat([x, x, x, x], 0, { label });
    const weight = phaseWeights(b, parameter('conv_up.weight'), filters);
    const phases = convOutput(
      b.relu(
        b.conv(padded, fake?.quantizes('conv_up') ? fakeQuantizeWeights(b, weight, 'conv_up') : weight, {
          bias: four(parameter('conv_up.bias'), 'conv_up.phase_bias'),
          label: 'conv_up',
        }),
        { label: 'conv_up.relu' },
      ),
      'conv_up',
      'conv_up.relu',
    );
    // [N, 4, H + 1, W + 1]: channel 2a + b is output phase (a, b), read from rows a… and columns b….
    const out = b.conv(phases, blockDiagonalOutputWeights(b, parameter('conv_out.weight'), filters), {
      bias: four(parameter('conv_out.bias'), 'conv_out.phase_bias'),
      label: 'conv_out',
    });
    // A Split, then Slices over rows and columns only: onnxruntime-web's WebGPU provider gave a wrongly
    // shaped result for one Slice over channels, rows and columns (onnxruntime-web 1.30, Chromium parity test).
    const parts = b.split(out, { axis: 1, outputCount: 4, label: 'phase' }).map((phase, k) => {
      const [a, c] = [k >> 1, k & 1];
      return b.slice(phase, {
        starts: [a, c],
        ends: [a === 0 ? -1 : SLICE_TO_END, c === 0 ? -1 : SLICE_TO_END],
        axes: [2, 3],
        label: `phase.${a}${c}`,
      });
    });
    return b.depthToSpace(b.concat(parts, 1, { label: 'phases' }), { blockSize: 2, mode: 'DCR', label: 'interleave' });
  }
  const upsampled = b.resize(skip, {
    scales: [1, 1, 2, 2],
    mode: 'nearest',
    coordinateTransformationMode: 'asymmetric',
    nearestMode: 'floor',
    label: 'upsample',
  });
  const up = convOutput(
    b.relu(conv3x3(upsampled, 'conv_up', fake?.quantizes('conv_up') ? null : 'skip.add'), { label: 'conv_up.relu' }),
    'conv_up',
    'conv_up.relu',
  );
  return b.conv(up, parameter('conv_out.weight'), { bias: parameter('conv_out.bias'), label: 'conv_out' });
}

const SLICE_TO_END = 2 ** 31 - 1;

/**
 * conv_out on each phase at once: [4, 4F, 1, 1] with conv_out's [1, F, 1, 1] weights on the diagonal
 * blocks (output phase k reads only channels k·F … of the phase tensor). A plain conv rather than a
 * grouped one, so that the training graph's autodiff takes it; the 4× multiply-adds of a 1×1 conv to 4
 * channels are 1/64 of conv_up's. Made in the graph (MatMul with the flattened 4×4 identity), constant
 * for inference.
 */
function blockDiagonalOutputWeights(b: GraphBuilder, weight: Operand, filters: number): Operand {
  const identity = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  // [F, 1] × [1, 16] → [F, 4, 4] (c, k, j) → (k, j, c) = δ_kj · w[c]
  const outer = b.matMul(
    b.reshape(weight, [filters, 1], { label: 'conv_out.column' }),
    b.constant({ dataType: 'float32', shape: [1, 16] }, identity, { label: 'conv_out.blocks' }),
    { label: 'conv_out.outer' },
  );
  const ordered = b.transpose(b.reshape(outer, [filters, 4, 4], { label: 'conv_out.outer_split' }), {
    perm: [1, 2, 0],
    label: 'conv_out.block_order',
  });
  return b.reshape(ordered, [4, 4 * filters, 1, 1], { label: 'conv_out.phase_weight' });
}

/**
 * The 2×2 kernels of the four output phases of a 3×3 conv on a nearest ×2 image, as [4F, F, 2, 2]
 * (phase (a, b) at channels (2a + b)·F …), from its weight [F, F, 3, 3]. Along each axis output row 2i
 * sees input rows i − 1 (tap 0) and i (taps 1 + 2), row 2i + 1 sees rows i (taps 0 + 1) and i + 1 (tap 2).
 */
function phaseWeights(b: GraphBuilder, weight: Operand, filters: number): Operand {
  const rows = [
    [
      [1, 0, 0],
      [0, 1, 1],
    ],
    [
      [1, 1, 0],
      [0, 0, 1],
    ],
  ];
  // [9, 16]: tap (ky, kx) → phase (a, b), phase tap (t, u) at column ((2a + b)·2 + t)·2 + u.
  const combination = new Float32Array(9 * 16);
  for (let ky = 0; ky < 3; ky++)
    for (let kx = 0; kx < 3; kx++)
      for (let a = 0; a < 2; a++)
        for (let c = 0; c < 2; c++)
          for (let t = 0; t < 2; t++)
            for (let u = 0; u < 2; u++) combination[(ky * 3 + kx) * 16 + ((a * 2 + c) * 2 + t) * 2 + u] = rows[a][t][ky] * rows[c][u][kx];
  const taps = b.matMul(
    b.reshape(weight, [filters * filters, 9], { label: 'conv_up.taps' }),
    b.constant({ dataType: 'float32', shape: [9, 16] }, combination, { label: 'conv_up.phase_taps' }),
    { label: 'conv_up.phase_sums' },
  );
  // (o, i, a, b, t, u) → (a, b, o, i, t, u)
  const ordered = b.transpose(b.reshape(taps, [filters, filters, 2, 2, 2, 2], { label: 'conv_up.phase_split' }), {
    perm: [2, 3, 0, 1, 4, 5],
    label: 'conv_up.phase_order',
  });
  return b.reshape(ordered, [4 * filters, filters, 2, 2], { label: 'conv_up.phase_weight' });
}

interface FakeQuantizer {
  quantizes(layer: string): boolean;
  /** `x` on the grid of the int8 model's tensor `name`; the same operand for every later request. */
  activation(x: Operand, name: string): Operand;
}

function fakeQuantizationOf(b: GraphBuilder, options: EnhanceNetworkOptions, foldedBatchNorm: boolean): FakeQuantizer | undefined {
  const settings = options.fakeQuantization;
  if (!settings) return undefined;
  if (!foldedBatchNorm) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: 'fake quantisation simulates the int8 model of the folded network: build it with foldedBatchNorm',
      details: {},
    });
  }
  const float32 = new Set(settings.float32Layers ?? DEFAULT_FLOAT32_LAYERS);
  const done = new Map<string, Operand>();
  return {
    quantizes: (layer) => !float32.has(layer),
    activation(x, name) {
      const known = done.get(name);
      if (known) return known;
      const range = settings.ranges.get(name);
      if (!range) {
        throw new EnhanceNetworkError({
          code: 'ENHANCE_PARAMETER',
          message: `fake quantisation needs the calibrated range of '${name}' (quantizationPlan(...).tensors lists them)`,
          details: { name },
        });
      }
      const result = fakeQuantizeActivation(b, x, range, name);
      done.set(name, result);
      return result;
    },
  };
}
