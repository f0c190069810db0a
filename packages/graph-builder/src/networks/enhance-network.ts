import type { Architecture } from '@enhance/core';
import type { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';
import { enhanceParameterSpecs, ENHANCE_BATCH_NORM_EPSILON, type EnhanceParameterSpec } from './enhance-parameter-specs.js';
import { EnhanceNetworkError } from './enhance-network-error.js';

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
}

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
  const reflectPad = (x: Operand, layer: string) => b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect', label: `${layer}.pad` });
  const conv3x3 = (x: Operand, layer: string) =>
    b.conv(reflectPad(x, layer), parameter(`${layer}.weight`), { bias: parameter(`${layer}.bias`), label: layer });
  const batchNorm = (x: Operand, layer: string) => {
    if (foldedBatchNorm) return x;
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'mean', 'var'].map((p) => parameter(`${layer}.${p}`));
    if (batchNormMode === 'moving') return b.batchNormalization(x, gamma, beta, mean, variance, { epsilon, label: layer });
    const result = b.batchNormalizationTraining(x, gamma, beta, mean, variance, { epsilon, momentum, label: layer });
    options.onMovingStatistic?.(`${layer}.mean`, result.runningMean);
    options.onMovingStatistic?.(`${layer}.var`, result.runningVar);
    return result.output;
  };

  const x0 = b.relu(conv3x3(image, 'conv_in'), { label: 'conv_in.relu' });
  let h = x0;
  for (let i = 0; i < depth; i++) {
    const block = `blocks.${i}`;
    const inner = b.relu(batchNorm(conv3x3(h, `${block}.conv1`), `${block}.bn1`), { label: `${block}.relu` });
    h = b.add(batchNorm(conv3x3(inner, `${block}.conv2`), `${block}.bn2`), h, { label: `${block}.add` });
  }
  const z = b.add(batchNorm(conv3x3(h, 'conv_mid'), 'bn_mid'), x0, { label: 'skip.add' });
  const upsampled = b.resize(z, {
    scales: [1, 1, 2, 2],
    mode: 'nearest',
    coordinateTransformationMode: 'asymmetric',
    nearestMode: 'floor',
    label: 'upsample',
  });
  const up = b.relu(conv3x3(upsampled, 'conv_up'), { label: 'conv_up.relu' });
  return b.conv(up, parameter('conv_out.weight'), { bias: parameter('conv_out.bias'), label: 'conv_out' });
}
