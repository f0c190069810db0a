import type { Group as H5Group } from 'h5wasm';
import { KerasConversionError } from './keras-conversion-error.js';
import { hasHdf5Signature, withHdf5Bytes, type H5wasm } from './hdf5-memory-file.js';

/** `save_weights` puts the layer groups at the root; a full `save` puts them under `model_weights/`. */
export type KerasFileLayout = 'save_weights' | 'full_model';

export interface KerasWeight {
  /** The name Keras gave the variable, e.g. `conv2d_1/kernel:0`. */
  name: string;
  /** Keras (TensorFlow) layout: conv kernels are (kh, kw, in, out). */
  shape: readonly number[];
  values: Float32Array;
}

export interface KerasLayerWeights {
  name: string;
  /** In the order of the group's `weight_names`; empty for layers without weights. */
  weights: readonly KerasWeight[];
}

export interface KerasWeightFile {
  layout: KerasFileLayout;
  kerasVersion: string | undefined;
  backend: string | undefined;
  /** The parsed `model_config` attribute of a full-model file. */
  modelConfig: unknown;
  /** Every layer of `layer_names`, in that order (the model's order, unlike the file's key order). */
  layers: readonly KerasLayerWeights[];
}

/** Removes the padding that fixed-length HDF5 strings may carry (h5py writes null-padded, Fortran space-padded). */
function cleanString(value: string): string {
  return value.replace(/[\0 ]+$/u, '');
}

function decodeStringValue(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [cleanString(value)];
  if (Array.isArray(value)) {
    if (!value.every((item) => typeof item === 'string')) return undefined;
    return value.map((item) => cleanString(item as string));
  }
  // h5py stores an empty Python list as a zero-length float64 array.
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<number>).length === 0) return [];
  return undefined;
}

/**
 * Reads a string-list attribute. Keras ≥ 2.1 splits attributes above HDF5's 64 kB header limit into
 * `name0`, `name1`, ...; both forms are accepted.
 */
function readStringList(group: H5Group, name: string, where: { file: string; layer?: string }): string[] | undefined {
  const attrNames = group.attrs ? Object.keys(group.attrs) : [];
  const chunks = attrNames.includes(name)
    ? [name]
    : attrNames
        .filter((attr) => new RegExp(`^${name}\\d+$`, 'u').test(attr))
        .sort((a, b) => Number(a.slice(name.length)) - Number(b.slice(name.length)));
  if (chunks.length === 0) return undefined;
  const result: string[] = [];
  for (const chunk of chunks) {
    const value = group.attrs[chunk].value;
    const strings = decodeStringValue(value);
    if (strings === undefined) {
      throw new KerasConversionError({
        message: `attribute '${chunk}' should hold strings, found ${describeValue(value)}`,
        code: 'KERAS_UNSUPPORTED_FORMAT',
        file: where.file,
        layer: where.layer,
        details: { attribute: chunk },
      });
    }
    result.push(...strings);
  }
  return result;
}

function readOptionalString(group: H5Group, name: string): string | undefined {
  if (!group.attrs || !(name in group.attrs)) return undefined;
  const strings = decodeStringValue(group.attrs[name].value);
  return strings?.[0];
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return typeof value;
}

/** Follows a slash-separated path one link at a time so a missing member is reported, not printed by HDF5. */
function lookup(h5wasm: H5wasm, group: H5Group, path: string): ReturnType<H5Group['get']> {
  let current: ReturnType<H5Group['get']> = group;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    if (!(current instanceof h5wasm.Group) || !current.keys().includes(part)) return null;
    current = current.get(part);
  }
  return current;
}

function readLayer(h5wasm: H5wasm, group: H5Group, layerName: string, file: string): KerasLayerWeights {
  const layerGroup = lookup(h5wasm, group, layerName);
  if (!(layerGroup instanceof h5wasm.Group)) {
    throw new KerasConversionError({
      message: `listed in layer_names but the file has no group '${layerName}'`,
      code: 'KERAS_MISSING_WEIGHT',
      file,
      layer: layerName,
    });
  }
  const weightNames = readStringList(layerGroup, 'weight_names', { file, layer: layerName });
  if (weightNames === undefined) {
    throw new KerasConversionError({
      message: `group has no 'weight_names' attribute`,
      code: 'KERAS_MISSING_WEIGHT',
      file,
      layer: layerName,
    });
  }
  const weights = weightNames.map((weightName): KerasWeight => {
    const dataset = lookup(h5wasm, layerGroup, weightName);
    if (!(dataset instanceof h5wasm.Dataset)) {
      throw new KerasConversionError({
        message: `weight '${weightName}' is listed in weight_names but missing from the file`,
        code: 'KERAS_MISSING_WEIGHT',
        file,
        layer: layerName,
        details: { weight: weightName },
      });
    }
    const value = dataset.value;
    if (!(value instanceof Float32Array || value instanceof Float64Array)) {
      throw new KerasConversionError({
        message: `weight '${weightName}' has data type ${dataset.dtype}; only float32/float64 weights are supported`,
        code: 'KERAS_UNSUPPORTED_FORMAT',
        file,
        layer: layerName,
        details: { weight: weightName, dtype: dataset.dtype },
      });
    }
    return { name: weightName, shape: [...dataset.shape!], values: value instanceof Float32Array ? value : Float32Array.from(value) };
  });
  return { name: layerName, weights };
}

/**
 * Reads a Keras 2 HDF5 weight file (either layout) from bytes. Works in Node and the browser.
 * @param fileName used in error messages only.
 */
export async function readKerasWeightFile(bytes: Uint8Array, fileName = 'weights.hdf5'): Promise<KerasWeightFile> {
  if (!hasHdf5Signature(bytes)) {
    throw new KerasConversionError({
      message: `not an HDF5 file: no HDF5 signature at offset 0, 512, 1024, ... (${bytes.length} bytes, starting ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
      code: 'KERAS_NOT_HDF5',
      file: fileName,
      details: { byteLength: bytes.length },
    });
  }
  return withHdf5Bytes(bytes, (file, h5wasm) => {
    if (file === null) {
      throw new KerasConversionError({
        message: 'HDF5 signature found but the file cannot be opened (truncated or corrupt?)',
        code: 'KERAS_NOT_HDF5',
        file: fileName,
      });
    }
    const rootKeys = file.keys();
    let layout: KerasFileLayout;
    let weightGroup: H5Group;
    if (readStringList(file, 'layer_names', { file: fileName }) !== undefined) {
      layout = 'save_weights';
      weightGroup = file;
    } else if (rootKeys.includes('model_weights') && file.get('model_weights') instanceof h5wasm.Group) {
      layout = 'full_model';
      weightGroup = file.get('model_weights') as H5Group;
    } else {
      const looksLikeKeras3 = rootKeys.includes('layers') && rootKeys.includes('vars');
      throw new KerasConversionError({
        message: looksLikeKeras3
          ? 'this looks like a Keras 3 (.weights.h5) file; only Keras 2 files (save_weights or save) are supported'
          : `no 'layer_names' attribute and no 'model_weights' group: not a Keras 2 weight file (root members: ${rootKeys.join(', ') || 'none'})`,
        code: 'KERAS_UNSUPPORTED_FORMAT',
        file: fileName,
        details: { rootMembers: rootKeys },
      });
    }
    const layerNames = readStringList(weightGroup, 'layer_names', { file: fileName });
    if (layerNames === undefined) {
      throw new KerasConversionError({
        message: `group 'model_weights' has no 'layer_names' attribute`,
        code: 'KERAS_UNSUPPORTED_FORMAT',
        file: fileName,
      });
    }
    let modelConfig: unknown;
    const modelConfigText = readOptionalString(file, 'model_config');
    if (modelConfigText !== undefined) {
      try {
        modelConfig = JSON.parse(modelConfigText);
      } catch (cause) {
        throw new KerasConversionError({
          message: `the 'model_config' attribute is not valid JSON`,
          code: 'KERAS_BAD_MODEL_JSON',
          file: fileName,
          cause,
        });
      }
    }
    return {
      layout,
      kerasVersion: readOptionalString(weightGroup, 'keras_version') ?? readOptionalString(file, 'keras_version'),
      backend: readOptionalString(weightGroup, 'backend') ?? readOptionalString(file, 'backend'),
      modelConfig,
      layers: layerNames.map((name) => readLayer(h5wasm, weightGroup, name, fileName)),
    };
  });
}
