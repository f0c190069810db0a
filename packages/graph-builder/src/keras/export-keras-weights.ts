import type { Architecture, EnhanceKind } from '@enhance/core';
import { buildKerasModelJson, KERAS_JSON_VERSION } from './build-keras-model-json.js';
import { topologyFromModelGraph, type KerasBatchNormSpec, type KerasConvSpec } from './enhance-keras-topology.js';
import { readParametersFromOnnx } from './enhance-network-bridge.js';
import { onnxKernelToKeras, type BatchNormParameters, type ConvParameters } from './extract-enhance-parameters.js';
import { parseKerasModelJson } from './keras-model-graph.js';
import type { KerasFileLayout, KerasLayerWeights, KerasWeight } from './read-keras-weight-file.js';
import { writeKerasWeightFile } from './write-keras-weight-file.js';

export type KerasExportLayout = KerasFileLayout;

export interface ExportKerasWeightsOptions {
  onnx: Uint8Array;
  /** The ONNX file's name, for messages. */
  fileName?: string;
  /** save_weights (what enhance.py loads, default) or full_model (model_weights/ plus model_config). */
  layout?: KerasExportLayout;
}

export interface KerasExport {
  kind: EnhanceKind;
  architecture: Architecture;
  epsilon: number;
  hdf5: Uint8Array;
  /** `model.to_json()` of the network, same structure as the released `<kind>_model.json`. */
  modelJson: string;
  /** The names the original release uses: `<kind>_weights.hdf5` (or `<kind>_model.hdf5` for a full save) and `<kind>_model.json`. */
  weightsFileName: string;
  modelJsonFileName: string;
}

function convWeights(layer: string, conv: ConvParameters): KerasWeight[] {
  const k = conv.kernelSize;
  return [
    {
      name: `${layer}/kernel:0`,
      shape: [k, k, conv.inChannels, conv.outChannels],
      values: onnxKernelToKeras(conv.weight, conv.outChannels, conv.inChannels, k, k),
    },
    { name: `${layer}/bias:0`, shape: [conv.outChannels], values: conv.bias },
  ];
}

function batchNormWeights(layer: string, bn: BatchNormParameters): KerasWeight[] {
  const n = bn.scale.length;
  return [
    { name: `${layer}/gamma:0`, shape: [n], values: bn.scale },
    { name: `${layer}/beta:0`, shape: [n], values: bn.bias },
    { name: `${layer}/moving_mean:0`, shape: [n], values: bn.mean },
    { name: `${layer}/moving_variance:0`, shape: [n], values: bn.variance },
  ];
}

/**
 * Writes an Enhance ONNX model as the original Keras 2 release files: an HDF5 weight file whose layer
 * order, names and weight names are what Keras 2.0.2 writes, and the model JSON. Keras' load_weights
 * pairs layers by order, so the original code's freshly built network loads these weights.
 */
export async function exportKerasWeights(options: ExportKerasWeightsOptions): Promise<KerasExport> {
  const fileName = options.fileName ?? 'model.onnx';
  const layout = options.layout ?? 'save_weights';
  const { parameters, kind, epsilon } = readParametersFromOnnx(options.onnx, fileName);
  const json = buildKerasModelJson({ architecture: parameters.architecture, kind, epsilon });
  const modelJson = JSON.stringify(json);
  const topology = topologyFromModelGraph(parseKerasModelJson(json, 'generated model JSON'), 'model_json', 'generated model JSON');

  const byLayer = new Map<string, KerasWeight[]>();
  const conv = (spec: KerasConvSpec, values: ConvParameters) => byLayer.set(spec.layer, convWeights(spec.layer, values));
  const batchNorm = (spec: KerasBatchNormSpec, values: BatchNormParameters) =>
    byLayer.set(spec.layer, batchNormWeights(spec.layer, values));
  conv(topology.firstConv, parameters.firstConv);
  topology.blocks.forEach((block, b) => {
    conv(block.conv1, parameters.blocks[b].conv1);
    batchNorm(block.bn1, parameters.blocks[b].bn1);
    conv(block.conv2, parameters.blocks[b].conv2);
    batchNorm(block.bn2, parameters.blocks[b].bn2);
  });
  conv(topology.postConv, parameters.postConv);
  batchNorm(topology.postBn, parameters.postBn);
  conv(topology.upConv, parameters.upConv);
  conv(topology.outputConv, parameters.outputConv);
  const layers: KerasLayerWeights[] = json.config.layers.map((layer) => ({ name: layer.name, weights: byLayer.get(layer.name) ?? [] }));

  const hdf5 = await writeKerasWeightFile({
    layout,
    layers,
    kerasVersion: KERAS_JSON_VERSION,
    backend: 'tensorflow',
    modelConfig: layout === 'full_model' ? modelJson : undefined,
  });
  return {
    kind,
    architecture: parameters.architecture,
    epsilon,
    hdf5,
    modelJson,
    weightsFileName: layout === 'full_model' ? `${kind}_model.hdf5` : `${kind}_weights.hdf5`,
    modelJsonFileName: `${kind}_model.json`,
  };
}
