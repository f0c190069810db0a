import type { Architecture, EnhanceKind } from '@enhance/core';
import {
  inferTopologyFromWeights,
  topologyFromModelGraph,
  type EnhanceKerasTopology,
  type TopologySource,
} from './enhance-keras-topology.js';
import { createOnnxFromParameters } from './enhance-network-bridge.js';
import { extractEnhanceParameters, type BatchNormParameters, type KerasLayerMapping } from './extract-enhance-parameters.js';
import { KerasConversionError } from './keras-conversion-error.js';
import { parseKerasModelJson, type KerasModelGraph } from './keras-model-graph.js';
import { readKerasWeightFile, type KerasFileLayout } from './read-keras-weight-file.js';

export interface ConvertKerasWeightsOptions {
  /** The Keras 2 HDF5 weight file (save_weights or full-model save). */
  hdf5: Uint8Array;
  /** The model description (`model.to_json()`), text or parsed; overrides the file's own model_config. */
  modelJson?: string | object;
  /** Which network the weights are; when absent, taken from the training noise in the model JSON, then from the file name. */
  kind?: EnhanceKind;
  /** The weight file's name, for messages and the model's provenance. */
  fileName?: string;
  /** The model JSON's file name, for messages. */
  modelJsonFileName?: string;
}

export interface KerasConversionReport {
  fileName: string;
  byteLength: number;
  /** SHA-256 of the weight file, hex. */
  sha256: string;
  layout: KerasFileLayout;
  kerasVersion: string | undefined;
  backend: string | undefined;
  kind: EnhanceKind;
  kindFrom: 'option' | 'training_noise' | 'file_name';
  architecture: Architecture;
  architectureSource: TopologySource;
  /** The BatchNormalization epsilon of the ONNX network. */
  epsilon: number;
  /** How Keras layers were found in the file: by the model JSON's names, or by order as Keras' load_weights does. */
  layersMatchedBy: 'name' | 'order';
  layers: readonly KerasLayerMapping[];
  parameterCount: number;
  warnings: readonly string[];
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // slice(): WebCrypto takes ArrayBuffer-backed views only.
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function chooseKind(
  option: EnhanceKind | undefined,
  topology: EnhanceKerasTopology,
  fileName: string,
): { kind: EnhanceKind; from: KerasConversionReport['kindFrom'] } {
  if (option) return { kind: option, from: 'option' };
  // The released networks were trained with input noise σ = 1e-3 (intensity) and 1e-2 (blos, kG).
  if (topology.noiseStddev !== undefined) {
    if (Math.abs(topology.noiseStddev - 1e-3) < 1e-9) return { kind: 'intensity', from: 'training_noise' };
    if (Math.abs(topology.noiseStddev - 1e-2) < 1e-9) return { kind: 'blos', from: 'training_noise' };
  }
  const base = fileName.split(/[\\/]/u).pop()!.toLowerCase();
  const byName = (['blos', 'intensity'] as const).filter((kind) => base.includes(kind));
  if (byName.length === 1) return { kind: byName[0], from: 'file_name' };
  throw new KerasConversionError({
    message: `cannot tell whether these are intensity or blos weights (no --kind, ${topology.noiseStddev === undefined ? 'no training noise layer' : `training noise σ ${topology.noiseStddev}`}, file name '${base}'); pass kind`,
    code: 'KERAS_UNSUPPORTED_CONFIG',
    file: fileName,
    details: { noiseStddev: topology.noiseStddev },
  });
}

/**
 * One ONNX epsilon for every BatchNormalization: the file's, when all layers agree. Layers with another
 * epsilon get their variance shifted by the difference, which leaves √(variance + epsilon) unchanged.
 */
function unifyEpsilon(batchNorms: BatchNormParameters[]): { epsilon: number; adjusted: number } {
  const epsilon = batchNorms[0]?.epsilon ?? 1e-3;
  let adjusted = 0;
  for (const bn of batchNorms) {
    if (bn.epsilon === epsilon) continue;
    adjusted += 1;
    for (let i = 0; i < bn.variance.length; i++) bn.variance[i] = bn.variance[i] + bn.epsilon - epsilon;
    bn.epsilon = epsilon;
  }
  return { epsilon, adjusted };
}

/**
 * Converts original Enhance Keras 2 weights to an Enhance ONNX model, in Node or the browser.
 * Throws KerasConversionError, naming the layer and the problem, for files it cannot map exactly.
 */
export async function convertKerasWeights(
  options: ConvertKerasWeightsOptions,
): Promise<{ onnx: Uint8Array; report: KerasConversionReport }> {
  const fileName = options.fileName ?? 'weights.hdf5';
  const warnings: string[] = [];
  const weights = await readKerasWeightFile(options.hdf5, fileName);

  let graph: KerasModelGraph | undefined;
  let source: TopologySource = 'inferred';
  let graphFile = fileName;
  if (options.modelJson !== undefined) {
    graphFile = options.modelJsonFileName ?? 'model.json';
    graph = parseKerasModelJson(options.modelJson, graphFile);
    source = 'model_json';
  } else if (weights.modelConfig !== undefined) {
    graph = parseKerasModelJson(weights.modelConfig as object, `${fileName} (model_config)`);
    graphFile = `${fileName} (model_config)`;
    source = 'model_config';
  }
  const topology = graph
    ? topologyFromModelGraph(graph, source as Exclude<TopologySource, 'inferred'>, graphFile)
    : inferTopologyFromWeights(weights, fileName);
  if (!graph)
    warnings.push('no model JSON: architecture inferred from the weights, BatchNormalization epsilon assumed to be the Keras default 1e-3');
  const jsonOrder = graph?.layers.filter((l) => l.className === 'Conv2D' || l.className === 'BatchNormalization').map((l) => l.name);
  const { parameters, mapping, matchedBy } = extractEnhanceParameters(weights, topology, fileName, jsonOrder);
  if (matchedBy === 'order')
    warnings.push(
      `the model JSON's layer names are not those of the weight file; layers were paired by order, as Keras' load_weights does`,
    );
  const batchNorms = [...parameters.blocks.flatMap((b) => [b.bn1, b.bn2]), parameters.postBn];
  const { epsilon, adjusted } = unifyEpsilon(batchNorms);
  if (adjusted > 0)
    warnings.push(
      `${adjusted} BatchNormalization layers have an epsilon other than ${epsilon}; their variances were shifted to keep the same normalisation`,
    );
  const { kind, from: kindFrom } = chooseKind(options.kind, topology, fileName);

  const sha256 = await sha256Hex(options.hdf5);
  const report: KerasConversionReport = {
    fileName,
    byteLength: options.hdf5.length,
    sha256,
    layout: weights.layout,
    kerasVersion: weights.kerasVersion ?? graph?.kerasVersion,
    backend: weights.backend ?? graph?.backend,
    kind,
    kindFrom,
    architecture: parameters.architecture,
    architectureSource: topology.source,
    epsilon,
    layersMatchedBy: matchedBy,
    layers: mapping,
    parameterCount: countParameters(parameters.architecture),
    warnings,
  };
  const onnx = createOnnxFromParameters(parameters, {
    kind,
    epsilon,
    sourceFileName: fileName.split(/[\\/]/u).pop()!,
    sourceSha256: sha256,
    kerasVersion: report.kerasVersion,
  });
  return { onnx, report };
}

/** Parameters of the Enhance network with BatchNormalization unfolded (446,657 for 5 × 64). */
export function countParameters({ depth, filters: f }: Architecture): number {
  const conv3 = (cin: number, cout: number) => 9 * cin * cout + cout;
  const bn = 4 * f;
  return conv3(1, f) + depth * 2 * (conv3(f, f) + bn) + conv3(f, f) + bn + conv3(f, f) + (f + 1);
}
