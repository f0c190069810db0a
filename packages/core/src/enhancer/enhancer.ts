import type { InferenceSession } from 'onnxruntime-common';
import { resolveDevice } from '../devices/index.js';
import type { ConcreteDevice, DeviceFailure, EnhanceDevice } from '../devices/index.js';
import { ENHANCE_KINDS, INT8_HELD_OUT_RMS_KEY, INT8_RELATIVE_RMS_BOUND, MODEL_PRECISIONS, MODEL_VARIANTS } from '../kinds.js';
import type { EnhanceKind, ModelPrecision, ModelVariant } from '../kinds.js';
import type { SolarImage } from '../image/index.js';
import type { EnhanceBackend } from './enhance-backend.js';
import { enhanceResult } from './enhance-result.js';
import { EnhancerError, invalidOption } from './enhancer-errors.js';
import { finishNetworkOutput } from './finish-network-output.js';
import { lazyQualityCheck } from './lazy-quality-check.js';
import { readEnhanceModelInfo } from './model-info.js';
import type { EnhanceModelInfo } from './model-info.js';
import { networkRunner } from './network-runner.js';
import type { ScaleOption } from './normalisation.js';
import { prepareNetworkInput } from './prepare-network-input.js';
import type { EnhanceProgressCallback } from './progress.js';
import { DEFAULT_TTA } from './quality-check.js';
import type { QualityOptions, QualityResult } from './quality-check.js';
import { runTiles } from './run-tiles.js';
import { sha256Hex } from './sha256-hex.js';

export interface EnhancerOptions {
  kind: EnhanceKind;
  /** A model file (path in Node, URL in the browser) or its bytes; default: the installed trained model. */
  model?: string | Uint8Array;
  /** Which installed model to use when `model` is not given. Default 'full'. */
  variant?: ModelVariant;
  /**
   * 'fp32' (default) or 'int8': the installed model of that precision when `model` is not given; with
   * `model`, the precision the file must have (its metadata 'precision', fp32 when absent). int8 runs
   * about 2× faster on CPUs and differs from fp32 by the amount the model card measures.
   */
  precision?: ModelPrecision;
  /** Default 'auto': the platform's GPU provider if it works, else its CPU provider. */
  device?: EnhanceDevice;
  /** onnxruntime intra-op threads; 0 or absent lets onnxruntime choose (one per physical core). */
  threads?: number;
  /** Largest tile side fed to the network, halos included; overrides the size derived from maxMemoryMB. */
  tileSize?: number;
  /** Memory the network may use for one tile (activations), in MiB. Default 640. */
  maxMemoryMB?: number;
  onProgress?: EnhanceProgressCallback;
  /** Told about non-fatal surprises (an installed GPU provider that failed, untrained weights), one line each. */
  onWarning?: (message: string) => void;
}

/** An image without FITS metadata: row-major, data[y * width + x]. */
export interface PlainImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

export interface EnhanceOptions extends QualityOptions {
  /** Divisor to the network's units; 'auto' (default): quiet-Sun level for intensity, 1000 G for blos. */
  scale?: ScaleOption;
  onProgress?: EnhanceProgressCallback;
  signal?: AbortSignal;
  /**
   * Warnings about this image (the quality check's), instead of the enhancer's `onWarning`: a caller
   * enhancing many files can say which one a warning is about.
   */
  onWarning?: (message: string) => void;
  /** Extra HISTORY cards for the output header (the CLI adds the tool and its version). */
  history?: readonly string[];
}

export interface EnhanceResult<Image extends PlainImage = PlainImage> extends QualityResult<Image> {
  /** 2W×2H, in the input's units; NaN wherever the input pixel was not finite. */
  image: Image;
  device: ConcreteDevice;
  /**
   * The divisor that was applied before the network and multiplied back after it; with the limb
   * normalisation, the profile's level at the image's largest μ (the divisor varies over the disk).
   */
  scale: number;
  tiles: number;
  /** Tiles not run because their whole input window, halo included, is NaN (off the disk). */
  tilesSkipped: number;
  timeMs: number;
}

export interface Enhancer {
  readonly info: EnhanceModelInfo;
  readonly kind: EnhanceKind;
  readonly device: ConcreteDevice;
  /** Devices passed over while resolving 'auto', with why. */
  readonly deviceFailures: readonly DeviceFailure[];
  enhance(image: SolarImage, options?: EnhanceOptions): Promise<EnhanceResult<SolarImage>>;
  enhance(image: PlainImage, options?: EnhanceOptions): Promise<EnhanceResult<PlainImage>>;
  dispose(): Promise<void>;
}

/**
 * Measured with onnxruntime 1.30 CPU (arena on, memory pattern off): peak working memory grows by about
 * 4.3 KB per input pixel for 64 filters and 2.1 KB for 32, i.e. ~67 bytes per filter; 72 leaves margin.
 */
const BYTES_PER_PIXEL_PER_FILTER = 72;
const DEFAULT_FILTERS = 64;
const DEFAULT_MAX_MEMORY_MB = 640;

/** The enhancer shared by both runtimes; each runtime's `createEnhancer` is this with its backend bound. */
export async function createEnhancerWithBackend(backend: EnhanceBackend, options: EnhancerOptions): Promise<Enhancer> {
  const { kind, variant = 'full', device = 'auto', threads = 0, onProgress, onWarning } = options;
  if (!ENHANCE_KINDS.includes(kind)) throw invalidOption('kind', kind, ENHANCE_KINDS.map((k) => `'${k}'`).join(' | '));
  if (!MODEL_VARIANTS.includes(variant)) throw invalidOption('variant', variant, MODEL_VARIANTS.map((v) => `'${v}'`).join(' | '));
  if (options.precision !== undefined && !MODEL_PRECISIONS.includes(options.precision)) {
    throw invalidOption('precision', options.precision, MODEL_PRECISIONS.map((p) => `'${p}'`).join(' | '));
  }
  const precision = options.precision ?? 'fp32';
  if (!Number.isInteger(threads) || threads < 0) throw invalidOption('threads', threads, 'an integer ≥ 0');
  if (options.tileSize !== undefined && (!Number.isInteger(options.tileSize) || options.tileSize < 3)) {
    throw invalidOption('tileSize', options.tileSize, 'an integer ≥ 3');
  }
  const maxMemoryMB = options.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB;
  if (!Number.isFinite(maxMemoryMB) || maxMemoryMB <= 0) throw invalidOption('maxMemoryMB', maxMemoryMB, 'a number > 0');

  const { bytes, source, isDefault } = await loadModelBytes(backend, options.model, kind, variant, precision, onProgress);
  const info = readEnhanceModelInfo(bytes, source);
  if (options.precision !== undefined && info.precision !== options.precision) {
    throw new EnhancerError({
      code: 'MODEL_PRECISION_MISMATCH',
      file: source,
      message: `the model is ${info.precision}, not the requested ${options.precision}`,
      details: { modelPrecision: info.precision, requestedPrecision: options.precision },
    });
  }
  // The output's HISTORY names the model by file name and digest: the digest identifies the weights, and
  // the machine's folders are nobody else's business.
  const modelDigest = sha256Hex(bytes);
  const modelRecord = `model ${sourceFileName(source)}, SHA-256 ${modelDigest}`;
  if (info.kind !== undefined && info.kind !== kind) {
    throw new EnhancerError({
      code: 'MODEL_KIND_MISMATCH',
      file: source,
      message: `the model enhances '${info.kind}' images, not '${kind}'`,
      details: { modelKind: info.kind, requestedKind: kind },
    });
  }
  if (info.kind === undefined) onWarning?.(`${source}: the model does not state its kind; assuming '${kind}'`);
  const int8Difference = Number(info.metadata[INT8_HELD_OUT_RMS_KEY]);
  if (info.precision === 'int8' && int8Difference > INT8_RELATIVE_RMS_BOUND) {
    onWarning?.(
      `${source}: this int8 model differs from its fp32 model by ${(100 * int8Difference).toFixed(2)}% RMS on held-out patches (more than ${100 * INT8_RELATIVE_RMS_BOUND}%): a fast preview, not for science; see the model card`,
    );
  }
  if (!info.trained) {
    if (isDefault) {
      throw new EnhancerError({
        code: 'MODEL_UNTRAINED',
        file: source,
        message: `the installed model has untrained weights (${info.provenance}); no trained model is installed`,
        details: { provenance: info.provenance },
      });
    }
    onWarning?.(`${source}: untrained weights (${info.provenance}): the output is not a real enhancement`);
  }

  const halo = info.receptiveFieldRadius;
  const bytesPerPixel = BYTES_PER_PIXEL_PER_FILTER * (info.filters ?? DEFAULT_FILTERS);
  const minimumSide = 2 * halo + 1;
  if (options.tileSize !== undefined && options.tileSize < minimumSide) {
    throw invalidOption(
      'tileSize',
      options.tileSize,
      `an integer ≥ ${minimumSide} for this model (context radius ${halo} px on each side, plus one)`,
    );
  }
  const minimumMB = (minimumSide * minimumSide * bytesPerPixel) / 2 ** 20;
  if (maxMemoryMB < minimumMB) {
    throw invalidOption(
      'maxMemoryMB',
      maxMemoryMB,
      `at least ${Math.ceil(minimumMB)} MiB for this model (one ${minimumSide}×${minimumSide} tile)`,
    );
  }
  const tileLimits = {
    halo,
    maxTileSide: options.tileSize,
    maxTilePixels: options.tileSize === undefined ? Math.floor((maxMemoryMB * 2 ** 20) / bytesPerPixel) : undefined,
  };
  const resolved = await resolveDevice<InferenceSession>({
    device,
    platform: backend.platform,
    file: source,
    onWarning,
    notInstalled: (name) => backend.notInstalled?.(name),
    attempt: (_name, spec) =>
      backend.InferenceSession.create(bytes, {
        executionProviders: spec.executionProviders,
        graphOptimizationLevel: 'all',
        // Tiles of similar shapes reuse the arena's blocks; the memory-pattern planner only helps fixed
        // shapes and holds extra buffers for each new one.
        enableCpuMemArena: true,
        enableMemPattern: false,
        executionMode: 'sequential',
        ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
      }),
  });
  const session = resolved.value;
  const network = await networkRunner(backend, session, source);
  onProgress?.({ status: 'ready', device: resolved.device, source });

  const modelHistory = [
    `Enhance ${kind} network ${info.depth ?? '?'}x${info.filters ?? '?'}${info.precision === 'fp32' ? '' : ` ${info.precision}`} (${info.provenance ?? 'weights of unknown origin'})`,
    modelRecord,
  ];
  const qualityCheck = lazyQualityCheck(backend, modelDigest, threads, onWarning);
  let disposed = false;
  // Runs one image at a time: each run already uses every core, and memory stays bounded by one tile.
  let queue: Promise<unknown> = Promise.resolve();

  async function run(image: PlainImage | SolarImage, runOptions: EnhanceOptions): Promise<EnhanceResult<PlainImage | SolarImage>> {
    if (disposed) throw new EnhancerError({ code: 'ENHANCER_DISPOSED', message: 'the enhancer was disposed' });
    const started = performance.now();
    const report: EnhanceProgressCallback = (event) => {
      onProgress?.(event);
      runOptions.onProgress?.(event);
    };
    const input = prepareNetworkInput(kind, image, runOptions);
    const tiled = await runTiles(input, tileLimits, network, report, runOptions.signal);
    finishNetworkOutput(input, tiled, source);
    const checked = input.qa ? await qualityCheck.check(input, tiled.output, runOptions.signal, runOptions.onWarning) : undefined;
    const timeMs = performance.now() - started;
    const result = enhanceResult(input, tiled, {
      device: resolved.device,
      tta: runOptions.tta ?? DEFAULT_TTA,
      checked,
      timeMs,
      modelHistory,
      history: runOptions.history ?? [],
    });
    report({ status: 'done', tiles: tiled.tiles, timeMs });
    return result;
  }

  const enhancer = {
    info,
    kind,
    device: resolved.device,
    deviceFailures: resolved.failures,
    enhance(image: PlainImage | SolarImage, runOptions: EnhanceOptions = {}) {
      const next = queue.then(() => run(image, runOptions));
      queue = next.catch(() => undefined);
      return next;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      await session.release();
      await qualityCheck.release();
    },
  };
  return enhancer as Enhancer;
}

async function loadModelBytes(
  backend: EnhanceBackend,
  model: string | Uint8Array | undefined,
  kind: EnhanceKind,
  variant: ModelVariant,
  precision: ModelPrecision,
  onProgress: EnhanceProgressCallback | undefined,
): Promise<{ bytes: Uint8Array; source: string; isDefault: boolean }> {
  if (model instanceof Uint8Array) {
    onProgress?.({ status: 'loading', source: 'bytes' });
    return { bytes: model, source: 'bytes', isDefault: false };
  }
  if (typeof model === 'string') {
    onProgress?.({ status: 'loading', source: model });
    return { bytes: await backend.loadModel(model), source: model, isDefault: false };
  }
  if (model !== undefined) throw invalidOption('model', model, 'a path/URL string or a Uint8Array');
  onProgress?.({ status: 'loading', source: `default ${kind} ${variant}${precision === 'fp32' ? '' : ` ${precision}`} model` });
  const loaded = await backend.loadDefaultModel(kind, variant, precision);
  return { ...loaded, isDefault: true };
}

/** The last segment of a path or URL (no query or fragment); 'bytes' for a model given as bytes. */
function sourceFileName(source: string): string {
  if (source === 'bytes') return '(given as bytes)';
  const withoutQuery = /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? source.replace(/[?#].*$/, '') : source;
  return (
    withoutQuery
      .split(/[\\/]/)
      .filter((part) => part !== '')
      .pop() ?? source
  );
}
