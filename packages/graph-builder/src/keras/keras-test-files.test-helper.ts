import { createRandom as mulberry32 } from '../networks/random.js';
import h5wasm, { type Group as H5Group } from 'h5wasm';
import * as ort from 'onnxruntime-node';
import type { KerasModelJson } from './build-keras-model-json.js';

// ---------- random Keras weights, keyed by layer, in Keras layout ----------

export interface TestWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Test data draws use the project's seeded generator. */
export { createRandom as mulberry32 } from '../networks/random.js';

function uniform(rng: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/** He-scaled kernels keep activations O(1) through the blocks; a few tiny variances make epsilon matter. */
export function randomKerasWeights(json: KerasModelJson, seed: number): Map<string, TestWeight[]> {
  const rng = mulberry32(seed);
  const channels = new Map<string, number>();
  const weights = new Map<string, TestWeight[]>();
  for (const layer of json.config.layers) {
    const inputChannels = layer.inbound_nodes.length ? channels.get(layer.inbound_nodes[0][0][0])! : 1;
    let out = inputChannels;
    if (layer.class_name === 'Conv2D') {
      const [kh, kw] = layer.config['kernel_size'] as number[];
      out = layer.config['filters'] as number;
      const scale = Math.sqrt(6 / (kh * kw * inputChannels));
      const kernel = {
        name: `${layer.name}/kernel:0`,
        shape: [kh, kw, inputChannels, out],
        values: uniform(rng, kh * kw * inputChannels * out, -scale, scale),
      };
      const bias = { name: `${layer.name}/bias:0`, shape: [out], values: uniform(rng, out, -0.1, 0.1) };
      weights.set(layer.name, layer.config['use_bias'] === false ? [kernel] : [kernel, bias]);
    } else if (layer.class_name === 'BatchNormalization') {
      const variance = uniform(rng, out, 0.3, 2);
      variance[0] = 2e-3;
      // Keras' order: gamma (when scale), beta (when center), moving_mean, moving_variance.
      weights.set(layer.name, [
        ...(layer.config['scale'] === false ? [] : [{ name: `${layer.name}/gamma:0`, shape: [out], values: uniform(rng, out, 0.5, 1.5) }]),
        ...(layer.config['center'] === false ? [] : [{ name: `${layer.name}/beta:0`, shape: [out], values: uniform(rng, out, -0.2, 0.2) }]),
        { name: `${layer.name}/moving_mean:0`, shape: [out], values: uniform(rng, out, -0.2, 0.2) },
        { name: `${layer.name}/moving_variance:0`, shape: [out], values: variance },
      ]);
    }
    channels.set(layer.name, out);
  }
  return weights;
}

// ---------- a Keras-layout HDF5 writer of the test's own (h5wasm directly, as h5py/Keras lays it out) ----------

export type Layout = 'save_weights' | 'full_model';

/**
 * `listedWeightNames` overrides a layer's weight_names attribute (to list weights that have no dataset);
 * `chunkedLayerNames` splits layer_names into layer_names0, layer_names1, ... as Keras ≥ 2.1 does for long lists.
 */
export async function writeKerasTestFile(
  json: KerasModelJson,
  weights: Map<string, TestWeight[]>,
  layout: Layout,
  {
    listedWeightNames = {},
    chunkedLayerNames = false,
    variableLengthStrings = false,
  }: { listedWeightNames?: Record<string, string[]>; chunkedLayerNames?: boolean; variableLengthStrings?: boolean } = {},
): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = `/keras-test-${Math.random().toString(36).slice(2)}.h5`;
  const file = new h5wasm.File(path, 'w');
  const strings = (group: H5Group, name: string, values: string[]) =>
    variableLengthStrings
      ? group.create_attribute(name, values)
      : // Space-padded UTF-8 ('S'): a different padding from the converter's own writer.
        group.create_attribute(name, values, [values.length], `S${Math.max(...values.map((v) => v.length))}`);
  let root: H5Group = file;
  if (layout === 'full_model') {
    file.create_attribute('keras_version', '2.0.2', null, 'S5');
    file.create_attribute('backend', 'tensorflow', null, 'S10');
    const config = JSON.stringify(json);
    file.create_attribute('model_config', config, null, `S${config.length}`);
    root = file.create_group('model_weights');
  }
  const layerNames = json.config.layers.map((l) => l.name);
  if (chunkedLayerNames) {
    for (let chunk = 0; chunk * 10 < layerNames.length; chunk++)
      strings(root, `layer_names${chunk}`, layerNames.slice(chunk * 10, chunk * 10 + 10));
  } else {
    strings(root, 'layer_names', layerNames);
  }
  root.create_attribute('backend', 'tensorflow', null, 'S10');
  root.create_attribute('keras_version', '2.0.2', null, 'S5');
  // Reverse creation order: the converter must follow layer_names, not the file's member order.
  for (const layer of [...json.config.layers].reverse()) {
    const group = root.create_group(layer.name);
    const layerWeights = weights.get(layer.name) ?? [];
    if (layerWeights.length === 0) {
      group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      continue;
    }
    strings(group, 'weight_names', listedWeightNames[layer.name] ?? layerWeights.map((w) => w.name));
    for (const weight of layerWeights) {
      // 'conv2d_1/kernel:0' lives in a subgroup; a backend's generic 'param_0' directly in the layer's group.
      const parts = weight.name.split('/');
      const parent =
        parts.length === 1 ? group : group.keys().includes(parts[0]) ? (group.get(parts[0]) as H5Group) : group.create_group(parts[0]);
      parent.create_dataset({ name: parts[parts.length - 1], data: weight.values, shape: weight.shape, dtype: '<f' });
    }
  }
  file.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}

/** Runs an Enhance model ([1, 1, h, w] in, [1, 1, 2h, 2w] out) on onnxruntime-node's CPU provider. */
export async function runEnhanceOnnx(onnx: Uint8Array, image: Float32Array, h: number, w: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', image, [1, 1, h, w]) });
    return result[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}
