import type { Architecture, EnhanceKind } from '@enhance/core';
import { KERAS_DEFAULT_BN_EPSILON } from './enhance-keras-topology.js';

/** Training-time settings of the released networks (the original training arguments). */
const TRAINING_DEFAULTS: Readonly<Record<EnhanceKind, { noiseStddev: number; l2Regularization: number }>> = Object.freeze({
  intensity: Object.freeze({ noiseStddev: 1e-3, l2Regularization: 1e-6 }),
  blos: Object.freeze({ noiseStddev: 1e-2, l2Regularization: 1e-5 }),
});

export interface KerasModelJsonOptions {
  architecture: Architecture;
  /** Chooses the training noise σ and L2 penalty of the released network of that kind. */
  kind: EnhanceKind;
  /** BatchNormalization epsilon (Keras default 1e-3). */
  epsilon?: number;
  /** Overrides the kind's GaussianNoise σ. */
  noiseStddev?: number;
  /** Overrides the kind's L2 kernel penalty. */
  l2Regularization?: number;
  /** (height, width) of `batch_input_shape`; the training patches were 50 × 50. */
  inputSize?: readonly [number, number];
}

/** One entry of a Keras 2 model JSON's `config.layers`. */
export interface KerasModelJsonLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

export interface KerasModelJson {
  class_name: 'Model';
  config: {
    name: string;
    layers: KerasModelJsonLayer[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
  keras_version: string;
  backend: string;
}

/** The Keras version whose JSON structure this writes (the released networks were saved by it). */
export const KERAS_JSON_VERSION = '2.0.2';

/**
 * Describes the Enhance "keepsize" network as Keras 2.0.2's `model.to_json()` does: the same layer
 * names (Keras' per-class counters), classes, configs and inbound nodes as the released model files,
 * so the original Python code can rebuild the network from it.
 */
export function buildKerasModelJson(options: KerasModelJsonOptions): KerasModelJson {
  const { architecture, kind } = options;
  const epsilon = options.epsilon ?? KERAS_DEFAULT_BN_EPSILON;
  const noiseStddev = options.noiseStddev ?? TRAINING_DEFAULTS[kind].noiseStddev;
  // Keras stores the regulariser's float32 value, printed as a Python double.
  const l2 = Math.fround(options.l2Regularization ?? TRAINING_DEFAULTS[kind].l2Regularization);
  const [height, width] = options.inputSize ?? [50, 50];
  const counters = new Map<string, number>();
  const layers: KerasModelJsonLayer[] = [];

  const add = (prefix: string, className: string, config: Record<string, unknown>, inputs: string[]): string => {
    const index = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, index);
    const name = `${prefix}_${index}`;
    layers.push({
      name,
      class_name: className,
      config: className === 'InputLayer' ? { ...config, name } : { name, trainable: true, ...config },
      inbound_nodes: inputs.length === 0 ? [] : [inputs.map((input) => [input, 0, 0, {}])],
    });
    return name;
  };
  const pad = (input: string) =>
    add(
      'reflection_padding2d',
      'ReflectionPadding2D',
      {
        padding: [
          [1, 1],
          [1, 1],
        ],
        data_format: 'channels_last',
      },
      [input],
    );
  const conv = (input: string, filters: number, kernelSize: number) =>
    add(
      'conv2d',
      'Conv2D',
      {
        filters,
        kernel_size: [kernelSize, kernelSize],
        strides: [1, 1],
        padding: kernelSize === 1 ? 'same' : 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: true,
        kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 2.0, mode: 'fan_in', distribution: 'normal', seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: { class_name: 'L1L2', config: { l1: 0.0, l2 } },
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
      [input],
    );
  const batchNorm = (input: string) =>
    add(
      'batch_normalization',
      'BatchNormalization',
      {
        axis: -1,
        momentum: 0.99,
        epsilon,
        center: true,
        scale: true,
        beta_initializer: { class_name: 'Zeros', config: {} },
        gamma_initializer: { class_name: 'Ones', config: {} },
        moving_mean_initializer: { class_name: 'Zeros', config: {} },
        moving_variance_initializer: { class_name: 'Ones', config: {} },
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
      },
      [input],
    );
  const relu = (input: string) => add('activation', 'Activation', { activation: 'relu' }, [input]);

  const input = add('input', 'InputLayer', { batch_input_shape: [null, height, width, 1], dtype: 'float32', sparse: false }, []);
  const noise = add('gaussian_noise', 'GaussianNoise', { stddev: noiseStddev }, [input]);
  const x0 = relu(conv(pad(noise), architecture.filters, 3));
  let current = x0;
  for (let block = 0; block < architecture.depth; block++) {
    const inner = relu(batchNorm(conv(pad(current), architecture.filters, 3)));
    const y = batchNorm(conv(pad(inner), architecture.filters, 3));
    current = add('add', 'Add', {}, [y, current]);
  }
  const z = add('add', 'Add', {}, [batchNorm(conv(pad(current), architecture.filters, 3)), x0]);
  const upsampled = add('up_sampling2d', 'UpSampling2D', { size: [2, 2], data_format: 'channels_last' }, [z]);
  const output = conv(relu(conv(pad(upsampled), architecture.filters, 3)), 1, 1);
  return {
    class_name: 'Model',
    config: { name: 'model_1', layers, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] },
    keras_version: KERAS_JSON_VERSION,
    backend: 'tensorflow',
  };
}
