import type { EnhanceKind } from '@enhance/core';
import { createEnhanceModel, loadEnhanceWeights } from '../networks/enhance-model.js';
import { enhanceBatchNormPairs } from '../networks/enhance-parameter-specs.js';
import { readModel } from '../onnx/read-model.js';
import type { BatchNormParameters, ConvParameters, EnhanceNetworkParameters } from './extract-enhance-parameters.js';
import { KerasConversionError } from './keras-conversion-error.js';

/**
 * ONNX stores epsilon as float32 (1e-3 comes back as 0.0010000000474974513); Keras configs hold the
 * decimal the user wrote. The shortest decimal with the same float32 value gives that back.
 */
export function shortestFloat32Decimal(value: number): number {
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

/** The network's stable parameter-layer names (see enhanceParameterSpecs) for each role. */
function layerNames(parameters: Pick<EnhanceNetworkParameters, 'architecture'>) {
  return {
    firstConv: 'conv_in',
    blocks: Array.from({ length: parameters.architecture.depth }, (_, i) => ({
      conv1: `blocks.${i}.conv1`,
      bn1: `blocks.${i}.bn1`,
      conv2: `blocks.${i}.conv2`,
      bn2: `blocks.${i}.bn2`,
    })),
    postConv: 'conv_mid',
    postBn: 'bn_mid',
    upConv: 'conv_up',
    outputConv: 'conv_out',
  };
}

/** Parameters by role → the network's weights by stable name. */
export function networkWeightsFromParameters(parameters: EnhanceNetworkParameters): Record<string, Float32Array> {
  const names = layerNames(parameters);
  const weights: Record<string, Float32Array> = {};
  const conv = (layer: string, values: ConvParameters) => {
    weights[`${layer}.weight`] = values.weight;
    weights[`${layer}.bias`] = values.bias;
  };
  const batchNorm = (layer: string, values: BatchNormParameters) => {
    weights[`${layer}.gamma`] = values.scale;
    weights[`${layer}.beta`] = values.bias;
    weights[`${layer}.mean`] = values.mean;
    weights[`${layer}.var`] = values.variance;
  };
  conv(names.firstConv, parameters.firstConv);
  parameters.blocks.forEach((block, i) => {
    conv(names.blocks[i].conv1, block.conv1);
    batchNorm(names.blocks[i].bn1, block.bn1);
    conv(names.blocks[i].conv2, block.conv2);
    batchNorm(names.blocks[i].bn2, block.bn2);
  });
  conv(names.postConv, parameters.postConv);
  batchNorm(names.postBn, parameters.postBn);
  conv(names.upConv, parameters.upConv);
  conv(names.outputConv, parameters.outputConv);
  return weights;
}

export interface OnnxProvenance {
  kind: EnhanceKind;
  /** One BatchNormalization epsilon for the whole network (see unifyEpsilon). */
  epsilon: number;
  sourceFileName: string;
  sourceSha256: string;
  kerasVersion: string | undefined;
}

/** Builds the Enhance ONNX model (separate BatchNormalization nodes, as in Keras) with the source recorded in its metadata. */
export function createOnnxFromParameters(parameters: EnhanceNetworkParameters, provenance: OnnxProvenance): Uint8Array {
  return createEnhanceModel({
    kind: provenance.kind,
    architecture: parameters.architecture,
    weights: networkWeightsFromParameters(parameters),
    epsilon: provenance.epsilon,
    provenance: `converted from Keras ${provenance.kerasVersion ?? '(version not stated)'} weights ${provenance.sourceFileName} (sha256 ${provenance.sourceSha256})`,
    metadata: {
      keras_source_file: provenance.sourceFileName,
      keras_source_sha256: provenance.sourceSha256,
      keras_version: provenance.kerasVersion ?? 'unknown',
    },
  });
}

/**
 * Reads an Enhance ONNX model back into parameters by role. A model whose batch norms were folded into
 * the convolutions gets identity batch norms (γ 1, β 0, μ 0, σ² 1 − ε), which Keras computes as the folded
 * model does. Batch norms with different epsilons are brought to the first one by shifting their variance.
 */
export function readParametersFromOnnx(
  bytes: Uint8Array,
  file: string,
): { parameters: EnhanceNetworkParameters; kind: EnhanceKind; epsilon: number; folded: boolean } {
  let info: ReturnType<typeof loadEnhanceWeights>;
  try {
    info = loadEnhanceWeights(bytes, file);
  } catch (cause) {
    throw new KerasConversionError({
      message: `not an Enhance ONNX model: ${(cause as Error).message}`,
      code: 'KERAS_BAD_ONNX',
      file,
      cause,
    });
  }
  const { architecture, weights } = info;
  if (info.kind === undefined) {
    throw new KerasConversionError({
      message: `the model's metadata does not say its kind (intensity or blos)`,
      code: 'KERAS_BAD_ONNX',
      file,
      details: { kind: info.metadata.kind },
    });
  }
  // The epsilon each BatchNormalization node really uses, by the layer its scale input belongs to.
  const epsilonByLayer = new Map<string, number>();
  for (const node of readModel(bytes, file).nodes) {
    if (node.opType !== 'BatchNormalization') continue;
    const attr = node.attributes['epsilon'];
    epsilonByLayer.set(node.inputs[1].replace(/\.gamma$/u, ''), attr && attr.type === 'float' ? shortestFloat32Decimal(attr.value) : 1e-5);
  }
  const layers = enhanceBatchNormPairs(architecture).map((pair) => pair.batchNorm);
  const metadataEpsilon = Number(info.metadata.batch_norm_epsilon);
  const epsilon = epsilonByLayer.get(layers[0]) ?? (Number.isFinite(metadataEpsilon) && metadataEpsilon > 0 ? metadataEpsilon : 1e-3);
  const f = architecture.filters;
  const conv = (layer: string, inChannels: number, outChannels: number, kernelSize: number): ConvParameters => ({
    weight: weights[`${layer}.weight`],
    bias: weights[`${layer}.bias`],
    inChannels,
    outChannels,
    kernelSize,
  });
  const batchNorm = (layer: string): BatchNormParameters => {
    if (info.foldedBatchNorm) {
      return {
        scale: new Float32Array(f).fill(1),
        bias: new Float32Array(f),
        mean: new Float32Array(f),
        variance: new Float32Array(f).fill(1 - epsilon),
        epsilon,
      };
    }
    const own = epsilonByLayer.get(layer) ?? epsilon;
    const variance = weights[`${layer}.var`];
    return {
      scale: weights[`${layer}.gamma`],
      bias: weights[`${layer}.beta`],
      mean: weights[`${layer}.mean`],
      variance: own === epsilon ? variance : variance.map((v) => v + own - epsilon),
      epsilon,
    };
  };
  const names = layerNames({ architecture });
  const parameters: EnhanceNetworkParameters = {
    architecture,
    firstConv: conv(names.firstConv, 1, f, 3),
    blocks: names.blocks.map((block) => ({
      conv1: conv(block.conv1, f, f, 3),
      bn1: batchNorm(block.bn1),
      conv2: conv(block.conv2, f, f, 3),
      bn2: batchNorm(block.bn2),
    })),
    postConv: conv(names.postConv, f, f, 3),
    postBn: batchNorm(names.postBn),
    upConv: conv(names.upConv, f, f, 3),
    outputConv: conv(names.outputConv, f, 1, 1),
  };
  return { parameters, kind: info.kind, epsilon, folded: info.foldedBatchNorm };
}
