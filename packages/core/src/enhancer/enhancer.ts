import type { InferenceSession } from 'onnxruntime-common';
import { resolveDevice } from '../devices/index.js';
import type { ConcreteDevice, DeviceFailure, EnhanceDevice } from '../devices/index.js';
import { ENHANCE_KINDS, INT8_HELD_OUT_RMS_KEY, INT8_RELATIVE_RMS_BOUND, MODEL_PRECISIONS, MODEL_VARIANTS, SCALE_FACTOR } from '../kinds.js';
import type { EnhanceKind, ModelPrecision, ModelVariant } from '../kinds.js';
import type { FitsHeader } from '../fits/index.js';
import type { SolarImage } from '../image/index.js';
import { superResolvedHeader } from '../image/index.js';
import type { EnhanceBackend } from './enhance-backend.js';
import { EnhancerError, invalidOption } from './enhancer-errors.js';
import { readEnhanceModelInfo } from './model-info.js';
import type { EnhanceModelInfo } from './model-info.js';
import { normalisationScale } from './normalisation.js';
import type { ScaleOption } from './normalisation.js';
import type { EnhanceProgressCallback } from './progress.js';
import { sha256Hex } from './sha256-hex.js';
import { planTiles } from './tile-plan.js';
import { windowHasFinitePixel } from './off-disk-tiles.js';
import { finiteRows, planMaskedTiles } from './masked-tile-plan.js';
import { multiplyByLimbLevel, normaliseForNetwork, planLimbNormalisation } from './limb-normalisation.js';
import { checkQaOption, DEFAULT_LIMB_NORMALISATION, DEFAULT_TTA, QualityCheck, qaWarning, qualityHistory } from './quality-check.js';
import type { QualityOptions, QualityResult } from './quality-check.js';
import { runAugmented, ttaTransforms } from './test-time-augmentation.js';

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

/** Off-disk and missing pixels are fed to the network as 0 (dark sky, as the original script did). */
export const MISSING_PIXEL_FILL = 0;

const RESIDUAL_HISTORY = 'quality check residual: the enhanced image degraded again (HMI PSF, 2x2 mean) minus this image';

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
    onWarning?.(`${source}: this int8 model differs from its fp32 model by ${(100 * int8Difference).toFixed(1)}% RMS on held-out patches (more than ${100 * INT8_RELATIVE_RMS_BOUND}%): a fast preview, not for science; see the model card`);
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
    throw invalidOption('tileSize', options.tileSize, `an integer ≥ ${minimumSide} for this model (context radius ${halo} px on each side, plus one)`);
  }
  const minimumMB = (minimumSide * minimumSide * bytesPerPixel) / 2 ** 20;
  if (maxMemoryMB < minimumMB) {
    throw invalidOption('maxMemoryMB', maxMemoryMB, `at least ${Math.ceil(minimumMB)} MiB for this model (one ${minimumSide}×${minimumSide} tile)`);
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
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    await session.release();
    throw new EnhancerError({
      code: 'MODEL_IO',
      file: source,
      message: `expected one input and one output, found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
      details: { inputs: session.inputNames, outputs: session.outputNames },
    });
  }
  onProgress?.({ status: 'ready', device: resolved.device, source });

  let disposed = false;
  // Runs one image at a time: each run already uses every core, and memory stays bounded by one tile.
  let queue: Promise<unknown> = Promise.resolve();
  // The quality check's session, made on the first run that asks for it.
  let qualityCheck: Promise<QualityCheck> | undefined;

  async function run(image: PlainImage | SolarImage, runOptions: EnhanceOptions): Promise<EnhanceResult<PlainImage | SolarImage>> {
    if (disposed) throw new EnhancerError({ code: 'ENHANCER_DISPOSED', message: 'the enhancer was disposed' });
    const started = performance.now();
    const { width, height, data } = checkImage(image);
    const signal = runOptions.signal;
    const report = (event: Parameters<EnhanceProgressCallback>[0]) => {
      onProgress?.(event);
      runOptions.onProgress?.(event);
    };
    throwIfAborted(signal);
    let finiteCount = 0;
    for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) finiteCount++;
    if (finiteCount === 0) {
      throw new EnhancerError({
        code: 'IMAGE_ALL_NAN',
        message: `every pixel of the ${width}×${height} image is NaN or infinite`,
        details: { width, height },
      });
    }
    // No file here: the enhancer does not know the image's, and the model is not the culprit.
    const scale = normalisationScale(kind, data, runOptions.scale ?? 'auto');
    const transforms = ttaTransforms(runOptions.tta ?? DEFAULT_TTA);
    const qa = checkQaOption(runOptions.qa);
    const header = (image as Partial<SolarImage>).header;
    const limbOutcome = planLimbNormalisation(runOptions.limbNormalisation ?? DEFAULT_LIMB_NORMALISATION, kind, { data, width, height, header }, runOptions.scale ?? 'auto');
    const limb = limbOutcome.applied ? limbOutcome.limb : undefined;
    const normalised = normaliseForNetwork(data, width, height, scale, limb, MISSING_PIXEL_FILL);
    // With the profile the network's output is in units of the local quiet-Sun level, multiplied by it below.
    const backScale = limb ? 1 : scale;
    const reportedScale = limb ? limb.centreLevel : scale;

    // With NaN (off the disk) the cores cover only each band's extent of finite pixels: the rest of the
    // output is NaN whatever the network says.
    const plan = finiteCount < data.length ? planMaskedTiles(width, height, finiteRows(data, width, height), tileLimits) : planTiles(width, height, tileLimits);
    const outWidth = width * SCALE_FACTOR;
    const output = new Float32Array(outWidth * height * SCALE_FACTOR);
    const spread = transforms.length > 1 ? new Float32Array(output.length) : undefined;
    report({ status: 'progress', loaded: 0, total: plan.tiles.length, unit: 'tiles' });
    let tilesSkipped = 0;
    for (const [index, tile] of plan.tiles.entries()) {
      throwIfAborted(signal);
      if (finiteCount < data.length && !windowHasFinitePixel(data, width, tile.input)) {
        // Off the disk, halo included: the core's output is masked to NaN below, as if it had run.
        tilesSkipped++;
        report({ status: 'progress', loaded: index + 1, total: plan.tiles.length, unit: 'tiles' });
        continue;
      }
      const tileWidth = tile.input.x1 - tile.input.x0;
      const tileHeight = tile.input.y1 - tile.input.y0;
      const tileData = new Float32Array(tileWidth * tileHeight);
      for (let y = 0; y < tileHeight; y++) {
        const from = (tile.input.y0 + y) * width + tile.input.x0;
        tileData.set(normalised.subarray(from, from + tileWidth), y * tileWidth);
      }
      const augmented = await runAugmented({ data: tileData, width: tileWidth, height: tileHeight }, transforms, SCALE_FACTOR, async (input) => {
        const feeds = { [inputName]: new backend.Tensor('float32', input.data, [1, 1, input.height, input.width]) };
        const results = await session.run(feeds);
        const result = results[outputName];
        const expectedDims = [1, 1, input.height * SCALE_FACTOR, input.width * SCALE_FACTOR];
        if (result.dims.length !== 4 || result.dims.some((dim, axis) => dim !== expectedDims[axis])) {
          throw new EnhancerError({
            code: 'MODEL_IO',
            file: source,
            message: `output '${outputName}' has shape [${result.dims.join(', ')}] for an input of [1, 1, ${input.height}, ${input.width}]: expected [${expectedDims.join(', ')}]`,
            details: { inputDims: [1, 1, input.height, input.width], outputDims: result.dims },
          });
        }
        const values = ((await result.getData()) as Float32Array).slice();
        result.dispose();
        return values;
      });
      const tileOutput = augmented.mean;
      const tileOutWidth = tileWidth * SCALE_FACTOR;
      for (let y = tile.core.y0 * SCALE_FACTOR; y < tile.core.y1 * SCALE_FACTOR; y++) {
        const sourceRow = (y - tile.input.y0 * SCALE_FACTOR) * tileOutWidth - tile.input.x0 * SCALE_FACTOR;
        const targetRow = y * outWidth;
        for (let x = tile.core.x0 * SCALE_FACTOR; x < tile.core.x1 * SCALE_FACTOR; x++) {
          output[targetRow + x] = tileOutput[sourceRow + x] * backScale;
          if (spread) spread[targetRow + x] = augmented.spread![sourceRow + x] * backScale;
        }
      }
      report({ status: 'progress', loaded: index + 1, total: plan.tiles.length, unit: 'tiles' });
    }

    if (limb) {
      multiplyByLimbLevel(output, outWidth, height * SCALE_FACTOR, limb, SCALE_FACTOR);
      if (spread) multiplyByLimbLevel(spread, outWidth, height * SCALE_FACTOR, limb, SCALE_FACTOR);
    }

    if (finiteCount < data.length) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (Number.isFinite(data[y * width + x])) continue;
          const top = 2 * y * outWidth + 2 * x;
          output[top] = output[top + 1] = output[top + outWidth] = output[top + outWidth + 1] = Number.NaN;
          if (spread) spread[top] = spread[top + 1] = spread[top + outWidth] = spread[top + outWidth + 1] = Number.NaN;
        }
      }
    }

    // Masked blocks are the only NaN the output may have; anything else is an overflow (a scale too
    // small for the image, or weights that blow up) and must not pass for an enhancement.
    let nonFinite = -SCALE_FACTOR * SCALE_FACTOR * (data.length - finiteCount);
    for (let i = 0; i < output.length; i++) if (!Number.isFinite(output[i])) nonFinite++;
    if (nonFinite > 0) {
      throw new EnhancerError({
        code: 'OUTPUT_NOT_FINITE',
        message: `the output has ${nonFinite} non-finite pixels (NaN or infinite) where the input is finite: the network overflows float32 on this image divided by ${scale.toPrecision(7)}`,
        details: { nonFinite, scale, model: source },
      });
    }

    let checked: Awaited<ReturnType<QualityCheck['check']>> | undefined;
    if (qa) {
      qualityCheck ??= QualityCheck.create(backend, modelDigest, threads).catch((error: unknown) => {
        qualityCheck = undefined;
        throw error;
      });
      checked = await (await qualityCheck).check(data, width, height, output, reportedScale, signal);
      const warning = qaWarning(checked.summary);
      if (warning) onWarning?.(warning);
    }

    const timeMs = performance.now() - started;
    const enhancedImage: PlainImage | SolarImage = header
      ? {
          data: output,
          width: outWidth,
          height: height * SCALE_FACTOR,
          header: superResolvedHeader(header as FitsHeader, SCALE_FACTOR, [
            `Enhance ${kind} network ${info.depth ?? '?'}x${info.filters ?? '?'}${info.precision === 'fp32' ? '' : ` ${info.precision}`} (${info.provenance ?? 'weights of unknown origin'})`,
            modelRecord,
            ...qualityHistory({ device: resolved.device, scale, limbOutcome, tta: transforms.length, qa: checked?.summary }),
            ...(runOptions.history ?? []),
          ]),
        }
      : { data: output, width: outWidth, height: height * SCALE_FACTOR };
    report({ status: 'done', tiles: plan.tiles.length, timeMs });
    const outHeight = height * SCALE_FACTOR;
    const residualImage = checked && (header ? { data: checked.residual, width, height, header: header.withHistory(RESIDUAL_HISTORY) } : { data: checked.residual, width, height });
    const spreadImage = spread && ('header' in enhancedImage ? { data: spread, width: outWidth, height: outHeight, header: enhancedImage.header } : { data: spread, width: outWidth, height: outHeight });
    return {
      image: enhancedImage,
      device: resolved.device,
      scale: reportedScale,
      tiles: plan.tiles.length,
      tilesSkipped,
      timeMs,
      tta: runOptions.tta ?? DEFAULT_TTA,
      limbNormalisation: limbOutcome,
      ...(checked && residualImage ? { qa: { residual: residualImage, summary: checked.summary } } : {}),
      ...(spreadImage ? { spread: spreadImage } : {}),
    };
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
      const check = await qualityCheck?.catch(() => undefined);
      await check?.release();
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
  return withoutQuery.split(/[\\/]/).filter((part) => part !== '').pop() ?? source;
}

function checkImage(image: PlainImage): PlainImage {
  const { width, height, data } = image ?? ({} as PlainImage);
  if (!(data instanceof Float32Array) || !Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new EnhancerError({
      code: 'IMAGE_INVALID',
      message: `expected an image { data: Float32Array, width, height }, got width ${width}, height ${height}, data ${Object.prototype.toString.call(data)}`,
      details: { width, height },
    });
  }
  if (data.length !== width * height) {
    throw new EnhancerError({
      code: 'IMAGE_INVALID',
      message: `image data has ${data.length} values for ${width}×${height} = ${width * height} pixels`,
      details: { width, height, length: data.length },
    });
  }
  if (width < 2 || height < 2) {
    throw new EnhancerError({
      code: 'IMAGE_TOO_SMALL',
      message: `a ${width}×${height} image is too small: the network's reflect padding needs at least 2×2 pixels`,
      details: { width, height },
    });
  }
  return image;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new EnhancerError({ code: 'ABORTED', message: 'enhancement aborted', cause: signal.reason });
  }
}
