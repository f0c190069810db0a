import type { Architecture } from '@enhance/core';
import { KerasConversionError } from './keras-conversion-error.js';
import type { EnhanceKerasTopology, KerasBatchNormSpec, KerasConvSpec } from './enhance-keras-topology.js';
import type { KerasLayerWeights, KerasWeight, KerasWeightFile } from './read-keras-weight-file.js';

/** A convolution in ONNX layout: weight (out, in, kh, kw), bias (out). */
export interface ConvParameters {
  weight: Float32Array;
  bias: Float32Array;
  outChannels: number;
  inChannels: number;
  kernelSize: number;
}

/** A batch normalisation in ONNX BatchNormalization terms: y = scale (x − mean) / √(variance + epsilon) + bias. */
export interface BatchNormParameters {
  scale: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

export interface EnhanceBlockParameters {
  conv1: ConvParameters;
  bn1: BatchNormParameters;
  conv2: ConvParameters;
  bn2: BatchNormParameters;
}

/** Every parameter of the Enhance network, by role, independent of Keras names and of the ONNX parameter names. */
export interface EnhanceNetworkParameters {
  architecture: Architecture;
  firstConv: ConvParameters;
  blocks: readonly EnhanceBlockParameters[];
  postConv: ConvParameters;
  postBn: BatchNormParameters;
  upConv: ConvParameters;
  outputConv: ConvParameters;
}

/** How one Keras layer was used. */
export interface KerasLayerMapping {
  kerasLayer: string;
  /** The Keras layer in the model JSON, when it was matched to the file by order and the names differ. */
  modelJsonLayer: string | undefined;
  className: 'Conv2D' | 'BatchNormalization';
  role: string;
  /** The Keras weight names read, in the order they were used. */
  weights: readonly string[];
}

/** (kh, kw, in, out) row-major → (out, in, kh, kw) row-major. */
export function kerasKernelToOnnx(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        const src = ((i * kw + j) * cin + c) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + i) * kw + j] = kernel[src + o];
      }
    }
  }
  return out;
}

/** (out, in, kh, kw) row-major → (kh, kw, in, out) row-major. */
export function onnxKernelToKeras(weight: Float32Array, cout: number, cin: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(weight.length);
  for (let o = 0; o < cout; o++) {
    for (let c = 0; c < cin; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) out[((i * kw + j) * cin + c) * cout + o] = weight[((o * cin + c) * kh + i) * kw + j];
      }
    }
  }
  return out;
}

const leafName = (name: string) => name.split('/').pop()!.replace(/:\d+$/u, '');

/**
 * Picks a layer's weights by their leaf names (`kernel`, `gamma`, ...), or by Keras' own order when the
 * names are generic (`param_0`, written by backends that do not name variables).
 */
function pickWeights(layer: KerasLayerWeights, wanted: readonly string[], file: string, className: string): Map<string, KerasWeight> {
  const byLeaf = new Map(layer.weights.map((w) => [leafName(w.name), w]));
  const named = wanted.every((leaf) => byLeaf.has(leaf));
  if (!named && layer.weights.some((w) => wanted.includes(leafName(w.name)))) {
    const missing = wanted.filter((leaf) => !byLeaf.has(leaf));
    throw new KerasConversionError({
      message: `${className} weight '${missing[0]}' is missing (the layer has ${layer.weights.map((w) => w.name).join(', ') || 'no weights'})`,
      code: 'KERAS_MISSING_WEIGHT',
      file,
      layer: layer.name,
      details: { missing, present: layer.weights.map((w) => w.name) },
    });
  }
  if (layer.weights.length !== wanted.length) {
    throw new KerasConversionError({
      message: `${className} should have ${wanted.length} weights (${wanted.join(', ')}), the file has ${layer.weights.length} (${layer.weights.map((w) => w.name).join(', ') || 'none'})`,
      code: layer.weights.length < wanted.length ? 'KERAS_MISSING_WEIGHT' : 'KERAS_INCONSISTENT_MODEL',
      file,
      layer: layer.name,
      details: { expected: wanted, present: layer.weights.map((w) => w.name) },
    });
  }
  return named ? new Map(wanted.map((leaf) => [leaf, byLeaf.get(leaf)!])) : new Map(wanted.map((leaf, i) => [leaf, layer.weights[i]]));
}

function checkShape(weight: KerasWeight, expected: readonly number[], layer: string, role: string, file: string): void {
  if (weight.shape.length !== expected.length || weight.shape.some((d, i) => d !== expected[i])) {
    throw new KerasConversionError({
      message: `weight '${weight.name}' has shape [${weight.shape.join(', ')}], expected [${expected.join(', ')}] for the ${role}`,
      code: 'KERAS_SHAPE_MISMATCH',
      file,
      layer,
      details: { weight: weight.name, shape: weight.shape, expected },
    });
  }
  const count = expected.reduce((a, b) => a * b, 1);
  if (weight.values.length !== count) {
    throw new KerasConversionError({
      message: `weight '${weight.name}' holds ${weight.values.length} values, its shape needs ${count}`,
      code: 'KERAS_SHAPE_MISMATCH',
      file,
      layer,
      details: { weight: weight.name, length: weight.values.length, expected: count },
    });
  }
}

/**
 * Reads every Enhance parameter out of a Keras weight file, converting kernels to ONNX layout.
 *
 * Layers are found by name. When the model JSON's names are not in the file (a model rebuilt in a new
 * Python session numbers its layers anew), the weighted layers are paired by order instead, as Keras'
 * own `load_weights` does; `modelJsonOrder` is then the JSON's Conv2D/BatchNormalization layers in order.
 */
export function extractEnhanceParameters(
  weights: KerasWeightFile,
  topology: EnhanceKerasTopology,
  file: string,
  modelJsonOrder?: readonly string[],
): { parameters: EnhanceNetworkParameters; mapping: KerasLayerMapping[]; matchedBy: 'name' | 'order' } {
  const fileLayers = new Map(weights.layers.map((layer) => [layer.name, layer]));
  const fileWeighted = weights.layers.filter((layer) => layer.weights.length > 0);
  const roleNames = [
    topology.firstConv.layer,
    ...topology.blocks.flatMap((b) => [b.conv1.layer, b.bn1.layer, b.conv2.layer, b.bn2.layer]),
    topology.postConv.layer,
    topology.postBn.layer,
    topology.upConv.layer,
    topology.outputConv.layer,
  ];
  let matchedBy: 'name' | 'order' = 'name';
  let resolve = (name: string): KerasLayerWeights => fileLayers.get(name)!;
  const missingByName = roleNames.filter((name) => !fileLayers.get(name)?.weights.length);
  if (missingByName.length > 0) {
    const order = modelJsonOrder ?? roleNames;
    if (order.length !== fileWeighted.length) {
      throw new KerasConversionError({
        message: `the model has ${order.length} layers with weights, the file ${fileWeighted.length}; layer '${missingByName[0]}' is not in the file`,
        code: 'KERAS_MISSING_WEIGHT',
        file,
        layer: missingByName[0],
        details: { missing: missingByName, modelLayers: order, fileLayers: fileWeighted.map((l) => l.name) },
      });
    }
    const byOrder = new Map(order.map((name, i) => [name, fileWeighted[i]]));
    resolve = (name) => byOrder.get(name)!;
    matchedBy = 'order';
  }
  const mapping: KerasLayerMapping[] = [];
  const { filters } = topology.architecture;

  const conv = (spec: KerasConvSpec, inChannels: number, role: string): ConvParameters => {
    const layer = resolve(spec.layer);
    const wanted = spec.useBias ? ['kernel', 'bias'] : ['kernel'];
    const picked = pickWeights(layer, wanted, file, 'Conv2D');
    const kernel = picked.get('kernel')!;
    const k = spec.kernelSize;
    checkShape(kernel, [k, k, inChannels, spec.filters], layer.name, role, file);
    let bias = new Float32Array(spec.filters);
    if (spec.useBias) {
      const biasWeight = picked.get('bias')!;
      checkShape(biasWeight, [spec.filters], layer.name, role, file);
      bias = Float32Array.from(biasWeight.values);
    }
    mapping.push({
      kerasLayer: layer.name,
      modelJsonLayer: layer.name === spec.layer ? undefined : spec.layer,
      className: 'Conv2D',
      role,
      weights: [...picked.values()].map((w) => w.name),
    });
    return {
      weight: kerasKernelToOnnx(kernel.values, k, k, inChannels, spec.filters),
      bias,
      outChannels: spec.filters,
      inChannels,
      kernelSize: k,
    };
  };

  const batchNorm = (spec: KerasBatchNormSpec, role: string): BatchNormParameters => {
    const layer = resolve(spec.layer);
    const wanted = [...(spec.scale ? ['gamma'] : []), ...(spec.center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
    const picked = pickWeights(layer, wanted, file, 'BatchNormalization');
    for (const weight of picked.values()) checkShape(weight, [filters], layer.name, role, file);
    mapping.push({
      kerasLayer: layer.name,
      modelJsonLayer: layer.name === spec.layer ? undefined : spec.layer,
      className: 'BatchNormalization',
      role,
      weights: [...picked.values()].map((w) => w.name),
    });
    const variance = picked.get('moving_variance')!.values;
    const negative = variance.findIndex((v) => v < 0);
    if (negative >= 0) {
      throw new KerasConversionError({
        message: `moving_variance[${negative}] = ${variance[negative]} is negative`,
        code: 'KERAS_INCONSISTENT_MODEL',
        file,
        layer: layer.name,
        details: { index: negative, value: variance[negative] },
      });
    }
    return {
      scale: spec.scale ? Float32Array.from(picked.get('gamma')!.values) : new Float32Array(filters).fill(1),
      bias: spec.center ? Float32Array.from(picked.get('beta')!.values) : new Float32Array(filters),
      mean: Float32Array.from(picked.get('moving_mean')!.values),
      variance: Float32Array.from(variance),
      epsilon: spec.epsilon,
    };
  };

  const parameters: EnhanceNetworkParameters = {
    architecture: topology.architecture,
    firstConv: conv(topology.firstConv, 1, 'first convolution'),
    blocks: topology.blocks.map((block, b) => ({
      conv1: conv(block.conv1, filters, `block ${b + 1} convolution 1`),
      bn1: batchNorm(block.bn1, `block ${b + 1} batch normalization 1`),
      conv2: conv(block.conv2, filters, `block ${b + 1} convolution 2`),
      bn2: batchNorm(block.bn2, `block ${b + 1} batch normalization 2`),
    })),
    postConv: conv(topology.postConv, filters, 'convolution after the blocks'),
    postBn: batchNorm(topology.postBn, 'batch normalization after the blocks'),
    upConv: conv(topology.upConv, filters, 'convolution after upsampling'),
    outputConv: conv(topology.outputConv, filters, 'output convolution'),
  };
  return { parameters, mapping, matchedBy };
}
