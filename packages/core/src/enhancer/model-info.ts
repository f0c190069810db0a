import { ENHANCE_KINDS, MODEL_PRECISIONS } from '../kinds.js';
import type { EnhanceKind, ModelPrecision } from '../kinds.js';
import { readOnnxModelSummary } from './onnx-model-summary.js';

/** What an Enhance model says about itself (its metadata_props), read before running it. */
export interface EnhanceModelInfo {
  /** Where the model came from: a path, a URL or 'bytes'. */
  source: string;
  /** metadata 'kind'; undefined when the model does not say. */
  kind: EnhanceKind | undefined;
  /** metadata 'units' (e.g. the normalisation the network expects). */
  units: string | undefined;
  depth: number | undefined;
  filters: number | undefined;
  /** Input pixels of context on each side that the output depends on. */
  receptiveFieldRadius: number;
  /** Whether the radius came from the metadata or from counting Conv nodes (an upper bound for 3×3 nets). */
  receptiveFieldFrom: 'metadata' | 'conv-count';
  flopsPerPixel: number | undefined;
  /** metadata 'precision': 'int8' for a quantised model; 'fp32' when absent. */
  precision: ModelPrecision;
  /** Where the weights came from (training run or random initialisation). */
  provenance: string | undefined;
  /** False when the metadata marks the weights as untrained (random initialisation). */
  trained: boolean;
  producerName: string;
  /** Every metadata_props entry, verbatim. */
  metadata: Readonly<Record<string, string>>;
}

/** Metadata keys written by the graph-builder's createEnhanceModel; alternatives accepted for foreign files. */
const KEYS = {
  kind: ['kind'],
  units: ['units', 'normalisation', 'normalization'],
  depth: ['depth'],
  filters: ['filters'],
  /** Radius in input pixels (what tiling needs). */
  receptiveFieldRadius: ['receptive_field_radius'],
  /** Full width in input pixels, 1 + Σ (k − 1)/s over the convolutions (the graph-builder's statistic). */
  receptiveFieldWidth: ['receptive_field'],
  flopsPerPixel: ['flops_per_pixel', 'flops_per_input_pixel'],
  provenance: ['weights', 'provenance', 'weights_provenance'],
} as const;

export function readEnhanceModelInfo(bytes: Uint8Array, source: string): EnhanceModelInfo {
  const summary = readOnnxModelSummary(bytes, source);
  const metadata = summary.metadata;
  const text = (keys: readonly string[]): string | undefined => {
    for (const key of keys) if (metadata[key] !== undefined && metadata[key] !== '') return metadata[key];
    return undefined;
  };
  const integer = (keys: readonly string[]): number | undefined => {
    const value = text(keys);
    if (value === undefined) return undefined;
    const match = /-?\d+(\.\d+)?(e[+-]?\d+)?/i.exec(value);
    return match ? Number(match[0]) : undefined;
  };
  const kindText = text(KEYS.kind);
  const kind = ENHANCE_KINDS.find((name) => name === kindText);
  const radius = receptiveFieldRadius(text(KEYS.receptiveFieldRadius), text(KEYS.receptiveFieldWidth));
  const provenance = text(KEYS.provenance);
  return {
    source,
    kind,
    units: text(KEYS.units),
    depth: integer(KEYS.depth),
    filters: integer(KEYS.filters),
    receptiveFieldRadius: radius ?? summary.convNodeCount,
    receptiveFieldFrom: radius === undefined ? 'conv-count' : 'metadata',
    flopsPerPixel: integer(KEYS.flopsPerPixel),
    precision: MODEL_PRECISIONS.find((name) => name === metadata.precision) ?? 'fp32',
    provenance,
    trained: metadata.trained !== 'false' && (provenance === undefined || !/untrained|random/i.test(provenance)),
    producerName: summary.producerName,
    metadata: Object.freeze({ ...metadata }),
  };
}

/**
 * The context radius in whole input pixels. A width w (e.g. 26 for the full network: 12 low-resolution
 * 3×3 convs and one at ×2) reaches (w − 1)/2 pixels each side, rounded up to whole pixels; '27x27' is a
 * width as well.
 */
function receptiveFieldRadius(radius: string | undefined, width: string | undefined): number | undefined {
  const number = (text: string | undefined) => {
    const match = text === undefined ? null : /\d+(\.\d+)?/.exec(text);
    return match ? Number(match[0]) : undefined;
  };
  const givenRadius = number(radius);
  if (givenRadius !== undefined) return Math.ceil(givenRadius);
  const givenWidth = number(width);
  return givenWidth === undefined ? undefined : Math.max(0, Math.ceil((givenWidth - 1) / 2));
}
