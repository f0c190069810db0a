import { KerasConversionError } from './keras-conversion-error.js';

export interface KerasLayerNode {
  name: string;
  className: string;
  config: Readonly<Record<string, unknown>>;
  /** Names of the layers feeding this one (first call of the layer only: Enhance calls each layer once). */
  inbound: readonly string[];
}

/** A Keras 2 functional model description, as `model.to_json()` or the `model_config` attribute gives it. */
export interface KerasModelGraph {
  name: string;
  layers: readonly KerasLayerNode[];
  inputLayers: readonly string[];
  outputLayers: readonly string[];
  kerasVersion: string | undefined;
  backend: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `[["input_1", 0, 0], ...]` (Keras 2) → the layer names. */
function endpointNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((endpoint) => (Array.isArray(endpoint) && typeof endpoint[0] === 'string' ? endpoint[0] : undefined));
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/**
 * Parses a Keras 2 model JSON (from `model.to_json()`, a `*_model.json` file or a full-model file's
 * `model_config` attribute) into layers with their inbound layer names.
 */
export function parseKerasModelJson(json: string | object, file = 'model.json'): KerasModelGraph {
  const fail = (message: string, details: Record<string, unknown> = {}, layer?: string): never => {
    throw new KerasConversionError({ message, code: 'KERAS_BAD_MODEL_JSON', file, layer, details });
  };
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw new KerasConversionError({
        message: `model JSON does not parse: ${(cause as Error).message}`,
        code: 'KERAS_BAD_MODEL_JSON',
        file,
        cause,
      });
    }
  }
  if (!isRecord(parsed)) return fail(`model JSON should be an object, found ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  const className = parsed['class_name'];
  if (className !== 'Model' && className !== 'Functional') {
    return fail(`model class '${String(className)}' is not supported: the Enhance network is a functional 'Model'`, { className });
  }
  const config = parsed['config'];
  if (!isRecord(config) || !Array.isArray(config['layers'])) return fail(`model JSON has no 'config.layers' list`);
  const layers = (config['layers'] as unknown[]).map((entry, index): KerasLayerNode => {
    if (!isRecord(entry) || typeof entry['class_name'] !== 'string' || !isRecord(entry['config'])) {
      return fail(`layers[${index}] lacks 'class_name' or 'config'`, { index });
    }
    const layerConfig = entry['config'] as Record<string, unknown>;
    const name = typeof entry['name'] === 'string' ? entry['name'] : layerConfig['name'];
    if (typeof name !== 'string') return fail(`layers[${index}] has no name`, { index });
    const nodes = entry['inbound_nodes'];
    if (!Array.isArray(nodes)) return fail(`no 'inbound_nodes' list`, {}, name);
    if (nodes.length > 1)
      return fail(`the layer is called ${nodes.length} times; Enhance calls each layer once`, { calls: nodes.length }, name);
    const inbound = nodes.length === 0 ? [] : endpointNames(nodes[0]);
    if (inbound === undefined) return fail(`'inbound_nodes' is not in the Keras 2 format [[[name, node, tensor, kwargs], ...]]`, {}, name);
    return { name, className: entry['class_name'] as string, config: layerConfig, inbound };
  });
  const names = new Set<string>();
  for (const layer of layers) {
    if (names.has(layer.name)) fail(`two layers are named '${layer.name}'`, { name: layer.name });
    names.add(layer.name);
  }
  for (const layer of layers) {
    for (const source of layer.inbound) {
      if (!names.has(source)) fail(`inbound layer '${source}' does not exist`, { inbound: source }, layer.name);
    }
  }
  const inputLayers = endpointNames(config['input_layers']) ?? fail(`model JSON has no 'config.input_layers'`);
  const outputLayers = endpointNames(config['output_layers']) ?? fail(`model JSON has no 'config.output_layers'`);
  return {
    name: typeof config['name'] === 'string' ? config['name'] : 'model',
    layers,
    inputLayers,
    outputLayers,
    kerasVersion: typeof parsed['keras_version'] === 'string' ? parsed['keras_version'] : undefined,
    backend: typeof parsed['backend'] === 'string' ? parsed['backend'] : undefined,
  };
}
