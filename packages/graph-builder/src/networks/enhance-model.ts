import { ARCHITECTURES, SCALE_FACTOR, type Architecture, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { GraphBuilder } from '../builder/graph-builder.js';
import { graphStatistics, statisticsSourceOfModel, type GraphStatistics } from '../onnx/graph-statistics.js';
import { readModel } from '../onnx/read-model.js';
import { buildEnhanceNetwork, type EnhanceUpsampling } from './enhance-network.js';
import { EnhanceNetworkError } from './enhance-network-error.js';
import { enhanceParameterSpecs, ENHANCE_BATCH_NORM_EPSILON } from './enhance-parameter-specs.js';
import { foldEnhanceBatchNorm, initializeEnhanceWeights, validateEnhanceWeights, type EnhanceWeights } from './enhance-weights.js';
import { GRAPH_BUILDER_VERSION } from './package-version.js';

/** Names of the model's input and output. */
export const ENHANCE_INPUT_NAME = 'image';
export const ENHANCE_OUTPUT_NAME = 'enhanced';

/** How each kind's values are scaled into the network's units (written to the model metadata). */
export const ENHANCE_UNITS: Readonly<Record<EnhanceKind, Readonly<{ units: string; normalisation: string }>>> = Object.freeze({
  intensity: Object.freeze({ units: 'I/Ic', normalisation: 'continuum intensity divided by the mean quiet-Sun intensity (quiet Sun = 1)' }),
  blos: Object.freeze({ units: 'kG', normalisation: 'line-of-sight field in gauss divided by 1000' }),
});

interface CommonModelOptions {
  kind: EnhanceKind;
  /** A named variant ('full' 5×64, 'lite' 1×32) or any depth × filters. */
  architecture: ModelVariant | Architecture;
  /** Fold every batch norm into the conv before it (fewer nodes, same output within float32 rounding). */
  foldBatchNorm?: boolean;
  /** Where the weights come from, e.g. 'trained on MURaM quiet Sun, 20 epochs'; random weights default to 'untrained-he-init seed=N'. */
  provenance?: string;
  /** Further metadata_props entries. */
  metadata?: Record<string, string>;
  epsilon?: number;
  /**
   * How the ×2 tail is computed (`buildEnhanceNetwork`'s `upsampling`). Default 'phases': the same
   * values as the network written with Resize (to float32 rounding) at 16 instead of 36 multiply-adds per
   * conv_up weight pair and input pixel; 'resize' writes the tail as the network is defined.
   */
  upsampling?: EnhanceUpsampling;
}

export type CreateEnhanceModelOptions = CommonModelOptions &
  ({ weights: EnhanceWeights; seed?: undefined } | { seed: number; weights?: undefined });

/** What loadEnhanceWeights reads back from a model file (the runtime's model summary is core's EnhanceModelInfo). */
export interface LoadedEnhanceWeights {
  kind: EnhanceKind | undefined;
  architecture: Architecture;
  foldedBatchNorm: boolean;
  /** Parameter values by stable name (batch-norm entries absent when folded). */
  weights: Record<string, Float32Array>;
  provenance: string | undefined;
  metadata: Record<string, string>;
}

export function resolveArchitecture(architecture: ModelVariant | Architecture): { architecture: Architecture; name: string } {
  if (typeof architecture === 'string') {
    const resolved = ARCHITECTURES[architecture];
    if (!resolved) {
      throw new EnhanceNetworkError({
        code: 'ENHANCE_ARCHITECTURE',
        message: `unknown architecture '${architecture}' (expected 'full' or 'lite')`,
        details: { architecture },
      });
    }
    return { architecture: { ...resolved }, name: architecture };
  }
  const named = (Object.entries(ARCHITECTURES) as [ModelVariant, Architecture][]).find(
    ([, a]) => a.depth === architecture.depth && a.filters === architecture.filters,
  );
  return { architecture: { depth: architecture.depth, filters: architecture.filters }, name: named ? named[0] : 'custom' };
}

/**
 * An Enhance model as ONNX bytes: input `image` [1, 1, H, W] float32 in normalised units, output
 * `enhanced` [1, 1, 2H, 2W]. The metadata records kind, units, architecture, batch-norm folding, weight
 * provenance, package version, parameter count, receptive field and cost, the last three measured on
 * the graph.
 */
export function createEnhanceModel(options: CreateEnhanceModelOptions): Uint8Array {
  const { kind, foldBatchNorm = false, epsilon = ENHANCE_BATCH_NORM_EPSILON, upsampling = 'phases' } = options;
  if (kind !== 'intensity' && kind !== 'blos') {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_ARCHITECTURE',
      message: `unknown kind '${kind}' (expected 'intensity' or 'blos')`,
      details: { kind },
    });
  }
  const { architecture, name: architectureName } = resolveArchitecture(options.architecture);
  if ((options.weights === undefined) === (options.seed === undefined)) {
    throw new EnhanceNetworkError({ code: 'ENHANCE_PARAMETER', message: 'give either weights or a seed', details: {} });
  }
  const random = options.weights === undefined;
  const given = options.weights ?? initializeEnhanceWeights(architecture, { seed: options.seed! });
  // Weights without any batch-norm entry are already folded; a partial set is reported as missing entries.
  const alreadyFolded = !random && !enhanceParameterSpecs(architecture).some((s) => s.role.startsWith('bn-') && s.name in given);
  validateEnhanceWeights(given, architecture, { foldedBatchNorm: alreadyFolded });
  const folded = foldBatchNorm || alreadyFolded;
  const weights = foldBatchNorm && !alreadyFolded ? foldEnhanceBatchNorm(given, architecture, epsilon) : given;
  const provenance = options.provenance ?? (random ? `untrained-he-init seed=${options.seed}` : 'unspecified');

  const b = new GraphBuilder();
  const image = b.input(ENHANCE_INPUT_NAME, { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
  const enhanced = buildEnhanceNetwork(b, image, {
    architecture,
    foldedBatchNorm: folded,
    epsilon,
    upsampling,
    parameter: (spec) => b.initializer(spec.name, weights[spec.name], spec.shape),
  });
  const stats = graphStatistics({ inputs: b.inputs, nodes: b.nodes, initializers: b.initializers, shapeOf: (n) => b.operand(n)?.shape });
  const metadata: Record<string, string> = {
    kind,
    units: ENHANCE_UNITS[kind].units,
    normalisation: ENHANCE_UNITS[kind].normalisation,
    scale_factor: String(SCALE_FACTOR),
    architecture: architectureName,
    depth: String(architecture.depth),
    filters: String(architecture.filters),
    batch_norm: folded ? 'folded' : 'separate',
    batch_norm_epsilon: String(epsilon),
    weights: provenance,
    trained: random ? 'false' : 'true',
    package_version: GRAPH_BUILDER_VERSION,
    parameter_count: String(stats.parameterCount),
    receptive_field: String(stats.receptiveField),
    multiply_adds_per_pixel: String(stats.multiplyAddsPerInputPixel),
    flops_per_pixel: String(2 * (stats.multiplyAddsPerInputPixel ?? Number.NaN)),
    ...options.metadata,
    // After the caller's entries: a model re-made from another's metadata says how it is computed.
    upsampling,
  };
  const title = kind === 'intensity' ? 'continuum intensity' : 'line-of-sight magnetogram';
  return b.build({
    outputs: { [ENHANCE_OUTPUT_NAME]: enhanced },
    graphName: `enhance_${kind}`,
    docString:
      `Enhance (Díaz Baso & Asensio Ramos 2018) keepsize network for SDO/HMI ${title}: deconvolves and ` +
      `super-resolves ×${SCALE_FACTOR}. Input '${ENHANCE_INPUT_NAME}' [1,1,H,W] in ${ENHANCE_UNITS[kind].units}, ` +
      `output '${ENHANCE_OUTPUT_NAME}' [1,1,2H,2W]. Depth ${architecture.depth}, ${architecture.filters} filters; weights: ${provenance}.`,
    metadata,
    producerName: '@enhance/graph-builder',
    producerVersion: GRAPH_BUILDER_VERSION,
  });
}

/** Parameter count, multiply-adds per input pixel and receptive field of an ONNX model, from its graph. */
export function modelStatistics(bytes: Uint8Array, file?: string): GraphStatistics {
  return graphStatistics(statisticsSourceOfModel(readModel(bytes, file)));
}

/**
 * The parameters of an Enhance model by stable name, from a separate-batch-norm or a folded model.
 * The architecture comes from the metadata when present, otherwise from the initializers.
 */
export function loadEnhanceWeights(bytes: Uint8Array, file?: string): LoadedEnhanceWeights {
  const model = readModel(bytes, file);
  const weights: Record<string, Float32Array> = {};
  for (const [name, tensor] of model.initializers) {
    if (tensor.dataType === 'float32') weights[name] = tensor.data as Float32Array;
  }
  const inWeight = weights['conv_in.weight'];
  if (!inWeight) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_MODEL',
      file,
      message: `not an Enhance model: no 'conv_in.weight' initializer (found ${[...model.initializers.keys()].slice(0, 5).join(', ') || 'none'})`,
      details: { initializers: [...model.initializers.keys()] },
    });
  }
  const filters = Number(model.metadata.filters ?? inWeight.length / 9);
  let depth = Number(model.metadata.depth ?? Number.NaN);
  if (!Number.isInteger(depth)) for (depth = 0; `blocks.${depth}.conv1.weight` in weights;) depth++;
  const architecture = { depth, filters };
  const foldedBatchNorm = !('bn_mid.gamma' in weights);
  try {
    validateEnhanceWeights(weights, architecture, { foldedBatchNorm });
  } catch (cause) {
    throw new EnhanceNetworkError({
      code: 'ENHANCE_MODEL',
      file,
      cause,
      details: { architecture },
      message: `the initializers do not match an Enhance network of depth ${depth}, ${filters} filters: ${(cause as Error).message}`,
    });
  }
  const kind = model.metadata.kind === 'intensity' || model.metadata.kind === 'blos' ? model.metadata.kind : undefined;
  return { kind, architecture, foldedBatchNorm, weights, provenance: model.metadata.weights, metadata: model.metadata };
}
