import type { Architecture } from '@enhance/core';
import {
  appendGradients,
  buildEnhanceNetwork,
  enhanceParameterSpecs,
  ENHANCE_BATCH_NORM_EPSILON,
  GraphBuilder,
  type EnhanceFakeQuantization,
  type EnhanceUpsampling,
  type EnhanceParameterSpec,
  type Operand,
} from '@enhance/graph-builder';
import { fluxConservationTerm } from './flux-conservation.js';
import { physicsConsistencyTerm, type PhysicsConsistencyOptions } from './physics-consistency.js';

/**
 * Adam as Keras 2.0.2 (the version of the original model files) implements it:
 *   lr_t = lr·sqrt(1 − β2^t)/(1 − β1^t), m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², p ← p − lr_t m/(sqrt(v) + ε)
 * with t the 1-based step number. Keras 2.0.2's default ε is 1e-8.
 */
export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const KERAS_ADAM: Readonly<AdamSettings> = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** Keras BatchNormalization momentum of the original models (from the model JSON). */
export const KERAS_BATCH_NORM_MOMENTUM = 0.99;

/** True for parameters the optimiser updates; the moving statistics are updated by the batch norms. */
export function isTrainable(spec: EnhanceParameterSpec): boolean {
  return spec.role !== 'bn-mean' && spec.role !== 'bn-var';
}

export interface EnhanceTrainingStepOptions {
  architecture: Architecture;
  batchSize: number;
  /** Side of the low-resolution input patch; targets are twice as large. */
  patchSize: number;
  /** Keras-style L2 penalty λ·Σw² on every convolution kernel (1e-6 intensity, 1e-5 magnetogram). */
  l2: number;
  adam?: AdamSettings;
  /**
   * Adds weight × the physics-consistency term (the output degraded again should give the input back,
   * `physicsConsistencyTerm`) to the loss; reported as the `consistency` output. Default: none.
   */
  consistency?: { weight: number } & PhysicsConsistencyOptions;
  /**
   * Adds weight × the flux term (the batch's unsigned flux out against in, `fluxConservationTerm`) to
   * the loss; reported as the `flux` output (the squared relative difference) and `flux_ratio`. Default: none.
   */
  flux?: { weight: number };
  /**
   * Train the network with its batch norms folded into the convs (conv weights and biases only; no
   * batch statistics), as the inference model is: what quantisation-aware training starts from.
   */
  foldedBatchNorm?: boolean;
  /**
   * Quantisation-aware training: the forward pass computes what the int8 model of these ranges computes
   * (`EnhanceFakeQuantization`; needs `foldedBatchNorm`), the gradients go straight through the rounding.
   */
  fakeQuantization?: EnhanceFakeQuantization;
  /**
   * How the network's ×2 tail is computed (`buildEnhanceNetwork`'s `upsampling`): 'phases' (default) by
   * output phases, the same function and gradients (to float32 rounding) at fewer multiply-adds (measured
   * by `npm run bench:train`: the full step 1.28× and the lite one 1.07× as fast); 'resize' as written.
   */
  upsampling?: EnhanceUpsampling;
}

/** Names of the tensors the step reads and writes; a state tensor `s` comes back as `next/s`. */
export interface EnhanceTrainingStep {
  model: Uint8Array;
  parameters: EnhanceParameterSpec[];
  /** Optimiser state tensors: `adam.m/<param>` and `adam.v/<param>`, same shapes as the parameters. */
  optimizerState: { name: string; shape: number[] }[];
  /** Scalar float inputs: `step` (1-based Adam step number) and `learning_rate`. */
  scalarInputs: readonly ['step', 'learning_rate'];
  /** Batch inputs: `input` [B, 1, P, P] and `target` [B, 1, 2P, 2P]. */
  batchInputs: { input: number[]; target: number[] };
  /** Scalar outputs: `loss` (MSE + L2 [+ terms], what Keras reports), `mse` and, with their terms, `consistency`, `flux` and `flux_ratio`. */
  metricOutputs: readonly string[];
}

export const NEXT_STATE_PREFIX = 'next/';

/**
 * One training step of the Enhance network as a single ONNX model: (parameters, Adam moments, moving
 * batch-norm statistics, step, learning rate, input batch, target batch) → (the same state updated,
 * loss, mse). The forward pass uses batch statistics, the gradients come from `appendGradients`, and the
 * Adam update is emitted as graph nodes, so a training loop only feeds the outputs back as inputs.
 */
export function buildEnhanceTrainingStep(options: EnhanceTrainingStepOptions): EnhanceTrainingStep {
  const { architecture, batchSize, patchSize, l2 } = options;
  const adam = options.adam ?? KERAS_ADAM;
  const b = new GraphBuilder();
  const foldedBatchNorm = options.foldedBatchNorm ?? false;
  const specs = enhanceParameterSpecs(architecture, { foldedBatchNorm });
  const params = new Map<string, Operand>();
  for (const spec of specs) params.set(spec.name, b.input(spec.name, { dataType: 'float32', shape: spec.shape }));
  const optimizerState: { name: string; shape: number[] }[] = [];
  const moments = new Map<string, { m: Operand; v: Operand }>();
  for (const spec of specs.filter(isTrainable)) {
    const m = b.input(`adam.m/${spec.name}`, { dataType: 'float32', shape: spec.shape });
    const v = b.input(`adam.v/${spec.name}`, { dataType: 'float32', shape: spec.shape });
    moments.set(spec.name, { m, v });
    optimizerState.push({ name: m.name, shape: [...spec.shape] }, { name: v.name, shape: [...spec.shape] });
  }
  const step = b.input('step', { dataType: 'float32', shape: [] });
  const learningRate = b.input('learning_rate', { dataType: 'float32', shape: [] });
  const inputShape = [batchSize, 1, patchSize, patchSize];
  const targetShape = [batchSize, 1, 2 * patchSize, 2 * patchSize];
  const image = b.input('input', { dataType: 'float32', shape: inputShape });
  const target = b.input('target', { dataType: 'float32', shape: targetShape });

  const movingStatistics = new Map<string, Operand>();
  const prediction = buildEnhanceNetwork(b, image, {
    architecture,
    parameter: (spec) => params.get(spec.name)!,
    foldedBatchNorm,
    ...(options.fakeQuantization ? { fakeQuantization: options.fakeQuantization } : {}),
    upsampling: options.upsampling ?? 'phases',
    batchNormMode: 'batch',
    epsilon: ENHANCE_BATCH_NORM_EPSILON,
    momentum: KERAS_BATCH_NORM_MOMENTUM,
    onMovingStatistic: (name, operand) => movingStatistics.set(name, operand),
  });
  const error = b.sub(prediction, target);
  const mse = b.reduceMean(b.mul(error, error), { keepDims: false, label: 'mse' });
  let penalty: Operand | undefined;
  for (const spec of specs.filter((s) => s.role === 'conv-weight')) {
    const w = params.get(spec.name)!;
    const sumSquares = b.reduceSum(b.mul(w, w), { keepDims: false });
    penalty = penalty ? b.add(penalty, sumSquares) : sumSquares;
  }
  const consistency =
    options.consistency && options.consistency.weight > 0
      ? physicsConsistencyTerm(b, prediction, image, options.consistency).loss
      : undefined;
  const flux = options.flux && options.flux.weight > 0 ? fluxConservationTerm(b, prediction, image) : undefined;
  let loss = mse;
  if (consistency) loss = b.add(loss, b.mul(consistency, b.scalar(options.consistency!.weight)));
  if (flux) loss = b.add(loss, b.mul(flux.loss, b.scalar(options.flux!.weight)));
  if (l2 > 0 && penalty) loss = b.add(loss, b.mul(penalty, b.scalar(l2)));
  if (loss === mse) loss = b.identity(mse);

  const trainable = specs.filter(isTrainable).map((s) => params.get(s.name)!);
  const gradients = appendGradients(b, { loss, with: trainable });

  const scalar = (v: number) => b.scalar(v);
  const one = scalar(1);
  const correction = b.div(b.sqrt(b.sub(one, b.pow(scalar(adam.beta2), step))), b.sub(one, b.pow(scalar(adam.beta1), step)));
  const stepSize = b.mul(learningRate, correction, { label: 'adam.lr_t' });
  const outputs: Record<string, Operand> = {
    loss,
    mse,
    ...(consistency ? { consistency } : {}),
    ...(flux ? { flux: flux.loss, flux_ratio: flux.ratio } : {}),
  };
  for (const spec of specs.filter(isTrainable)) {
    const p = params.get(spec.name)!;
    const g = gradients.get(spec.name)!;
    const { m, v } = moments.get(spec.name)!;
    const nextM = b.add(b.mul(m, scalar(adam.beta1)), b.mul(g, scalar(1 - adam.beta1)));
    const nextV = b.add(b.mul(v, scalar(adam.beta2)), b.mul(b.mul(g, g), scalar(1 - adam.beta2)));
    const update = b.div(b.mul(nextM, stepSize), b.add(b.sqrt(nextV), scalar(adam.epsilon)));
    outputs[`${NEXT_STATE_PREFIX}${spec.name}`] = b.sub(p, update);
    outputs[`${NEXT_STATE_PREFIX}${m.name}`] = nextM;
    outputs[`${NEXT_STATE_PREFIX}${v.name}`] = nextV;
  }
  for (const [name, value] of movingStatistics) outputs[`${NEXT_STATE_PREFIX}${name}`] = value;

  const model = b.build({
    outputs,
    graphName: 'enhance_training_step',
    docString:
      `One Adam step of the Enhance keepsize network (depth ${architecture.depth}, filters ${architecture.filters}), batch ${batchSize}, ${patchSize}×${patchSize} inputs, L2 ${l2}` +
      `${foldedBatchNorm ? ', batch norms folded' : ''}${options.fakeQuantization ? ', int8 arithmetic simulated (quantisation-aware)' : ''}`,
  });
  return {
    model,
    parameters: specs,
    optimizerState,
    scalarInputs: ['step', 'learning_rate'],
    batchInputs: { input: inputShape, target: targetShape },
    metricOutputs: ['loss', 'mse', ...(consistency ? ['consistency'] : []), ...(flux ? ['flux', 'flux_ratio'] : [])],
  };
}
