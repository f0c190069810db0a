import type { File as H5File, Group as H5Group } from 'h5wasm';
import { createHdf5Bytes } from './hdf5-memory-file.js';
import type { KerasFileLayout, KerasLayerWeights } from './read-keras-weight-file.js';

export interface KerasWeightFileContents {
  layout: KerasFileLayout;
  /** Every layer of the model in model order; layers without weights get an empty `weight_names`. */
  layers: readonly KerasLayerWeights[];
  kerasVersion: string;
  backend: string;
  /** The model JSON text; a full-model file stores it as the root `model_config` attribute. */
  modelConfig?: string;
}

/**
 * Keras 2 reads these attributes with `.decode('utf8')`, which needs fixed-length byte strings (h5py's
 * numpy `S` arrays), not variable-length ones. Keras' `load_weights` pairs layers by this order.
 */
function writeStringAttribute(target: H5Group, name: string, value: string | readonly string[]): void {
  const values = typeof value === 'string' ? [value] : value;
  const width = Math.max(1, ...values.map((v) => new TextEncoder().encode(v).length));
  if (typeof value === 'string') target.create_attribute(name, value, null, `A${width}`);
  else target.create_attribute(name, [...values], [values.length], `A${width}`);
}

function writeWeightGroup(group: H5Group, contents: KerasWeightFileContents): void {
  writeStringAttribute(
    group,
    'layer_names',
    contents.layers.map((layer) => layer.name),
  );
  writeStringAttribute(group, 'backend', contents.backend);
  writeStringAttribute(group, 'keras_version', contents.kerasVersion);
  for (const layer of contents.layers) {
    const layerGroup = group.create_group(layer.name);
    if (layer.weights.length === 0) {
      // What h5py stores for Keras' empty Python list: a zero-length float64 array.
      layerGroup.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      continue;
    }
    writeStringAttribute(
      layerGroup,
      'weight_names',
      layer.weights.map((w) => w.name),
    );
    for (const weight of layer.weights) {
      // Weight names contain '/' (`conv2d_1/kernel:0`): h5py creates the intermediate group.
      const parts = weight.name.split('/');
      let parent = layerGroup;
      for (const part of parts.slice(0, -1)) {
        parent = parent.keys().includes(part) ? (parent.get(part) as H5Group) : parent.create_group(part);
      }
      parent.create_dataset({ name: parts[parts.length - 1], data: weight.values, shape: [...weight.shape], dtype: '<f' });
    }
  }
}

/** Writes a Keras 2 HDF5 weight file (`save_weights` layout, or a full-model `save` with `model_weights/`). */
export function writeKerasWeightFile(contents: KerasWeightFileContents): Promise<Uint8Array> {
  return createHdf5Bytes((file: H5File) => {
    if (contents.layout === 'save_weights') {
      writeWeightGroup(file, contents);
      return;
    }
    writeStringAttribute(file, 'keras_version', contents.kerasVersion);
    writeStringAttribute(file, 'backend', contents.backend);
    if (contents.modelConfig !== undefined) writeStringAttribute(file, 'model_config', contents.modelConfig);
    writeWeightGroup(file.create_group('model_weights'), contents);
  });
}
