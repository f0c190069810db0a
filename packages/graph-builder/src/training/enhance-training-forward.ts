import type { Architecture } from '@enhance/core';
import type { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';

export type TrainingParameterRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';

export interface TrainingParameterSpec {
  name: string;
  shape: number[];
  role: TrainingParameterRole;
  /** Updated by the optimiser; the moving statistics are updated by the batch-norm layers instead. */
  trainable: boolean;
}

/** Keras BatchNormalization defaults read from the original model JSON. */
export const KERAS_BATCH_NORM = Object.freeze({ epsilon: 1e-3, momentum: 0.99 });

/**
 * The parameters of the "keepsize" network in graph order, with the stable names the graph-builder's
 * Enhance network uses: conv_in, blocks.<i>.{conv1,bn1,conv2,bn2}, conv_mid, bn_mid, conv_up, conv_out.
 */
export function trainingParameterSpecs({ depth, filters }: Architecture): TrainingParameterSpec[] {
  const specs: TrainingParameterSpec[] = [];
  const conv = (name: string, out: number, inp: number, k: number) => {
    specs.push({ name: `${name}.weight`, shape: [out, inp, k, k], role: 'kernel', trainable: true });
    specs.push({ name: `${name}.bias`, shape: [out], role: 'bias', trainable: true });
  };
  const bn = (name: string) => {
    specs.push({ name: `${name}.gamma`, shape: [filters], role: 'gamma', trainable: true });
    specs.push({ name: `${name}.beta`, shape: [filters], role: 'beta', trainable: true });
    specs.push({ name: `${name}.mean`, shape: [filters], role: 'moving_mean', trainable: false });
    specs.push({ name: `${name}.var`, shape: [filters], role: 'moving_variance', trainable: false });
  };
  conv('conv_in', filters, 1, 3);
  for (let i = 0; i < depth; i++) {
    conv(`blocks.${i}.conv1`, filters, filters, 3);
    bn(`blocks.${i}.bn1`);
    conv(`blocks.${i}.conv2`, filters, filters, 3);
    bn(`blocks.${i}.bn2`);
  }
  conv('conv_mid', filters, filters, 3);
  bn('bn_mid');
  conv('conv_up', filters, filters, 3);
  conv('conv_out', 1, filters, 1);
  return specs;
}

export interface TrainingForward {
  output: Operand;
  /** Updated moving statistics by parameter name (only in 'batch' mode). */
  movingStatistics: Map<string, Operand>;
}

/**
 * The keepsize network written for training: batch-norm layers use the batch statistics ('batch',
 * Keras' training phase) and return the updated moving averages, or the moving averages ('moving',
 * the inference phase, used to check this graph against the inference network).
 */
export function buildTrainingForward(
  b: GraphBuilder,
  image: Operand,
  architecture: Architecture,
  parameter: (name: string) => Operand,
  mode: 'batch' | 'moving',
): TrainingForward {
  const movingStatistics = new Map<string, Operand>();
  const reflect = (x: Operand) => b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect' });
  const conv3 = (x: Operand, name: string) => b.conv(reflect(x), parameter(`${name}.weight`), { bias: parameter(`${name}.bias`), label: name });
  const norm = (x: Operand, name: string) => {
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'mean', 'var'].map((p) => parameter(`${name}.${p}`));
    if (mode === 'moving') return b.batchNormalization(x, gamma, beta, mean, variance, { epsilon: KERAS_BATCH_NORM.epsilon, label: name });
    const result = b.batchNormalizationTraining(x, gamma, beta, mean, variance, { ...KERAS_BATCH_NORM, label: name });
    movingStatistics.set(`${name}.mean`, result.runningMean);
    movingStatistics.set(`${name}.var`, result.runningVar);
    return result.output;
  };
  const x0 = b.relu(conv3(image, 'conv_in'));
  let h = x0;
  for (let i = 0; i < architecture.depth; i++) {
    const t = b.relu(norm(conv3(h, `blocks.${i}.conv1`), `blocks.${i}.bn1`));
    h = b.add(norm(conv3(t, `blocks.${i}.conv2`), `blocks.${i}.bn2`), h);
  }
  const z = b.add(norm(conv3(h, 'conv_mid'), 'bn_mid'), x0);
  const up = b.resize(z, { scales: [1, 1, 2, 2], mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' });
  const u = b.relu(conv3(up, 'conv_up'));
  const output = b.conv(u, parameter('conv_out.weight'), { bias: parameter('conv_out.bias'), label: 'conv_out' });
  return { output, movingStatistics };
}
