import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFits, type EnhanceKind } from '@enhance/core';
import { addGaussianNoise, createRandom, type RandomSource } from '@enhance/graph-builder';
import { cropPlane, type ImagePlane } from '../physics/image-plane.js';
import { degradePair, PAPER_DEGRADATION, type KernelInfo } from './degrade-pair.js';
import { estimateDiffractionPixelScale, type DiffractionScaleEstimate } from './diffraction-pixel-scale.js';
import { largestValidRectangle, type PixelRectangle } from './largest-valid-rectangle.js';
import {
  INPUT_PATCH_SIZE,
  emptyBatch,
  samplePatchBatch,
  windowOrigins,
  writePatchPair,
  type InputNoise,
  type PatchBatch,
  type PatchSource,
} from './patch-sampler.js';
import { cachedPlanes } from './plane-cache.js';
import { readNpy } from './read-npy.js';
import { drawQuietSurroundings, withQuietSurroundings, type QuietSurroundings } from './quiet-surroundings.js';
import {
  drawMagneticSpots,
  drawSunspots,
  withMagneticSpots,
  withSunspots,
  type MagneticSpotShape,
  type SunspotShape,
} from './synthetic-sunspots.js';
import { TrainingDataError } from './training-data-error.js';

/*
 * Training sets for the two Enhance networks, built from ../shared/data/train.
 *
 * intensity: the MURaM quiet-Sun snapshot (1000×1000 at 0.0662"/px), divided by its mean. Inputs: HMI
 *   PSF (paper's ω 2.0, W 3.4), then area rebinning to 0.504"/px → 131×131. Targets: Airy 28 cm, then
 *   0.252"/px → 262×262. Convolutions are periodic (MURaM's horizontal boundaries are). Validation: the
 *   input block x∈[0,75), y∈[0,50) (22% of the area) with its target, the same block with a synthetic
 *   sunspot in it, and the whole Sunrise/IMaX frame (real quiet Sun, never trained on); training windows
 *   must not overlap the block (78% of the area stays for training). Optionally, copies of the scene
 *   with random synthetic sunspots (./synthetic-sunspots.ts) join the training sources.
 * blos: the four GST/NIRIS Bz maps (Gauss → kG), each cropped to the largest axis-aligned rectangle of
 *   non-blank pixels less a 2 px margin (the rotation blended the pixels next to the blank border),
 *   taken at 0.083"/px; convolutions reflect at the edges. Three maps train, the last tracking frame
 *   validates, as it is and with a synthetic sunspot in it. Optionally, copies of each training map with
 *   1–2 synthetic sunspots (./synthetic-sunspots.ts) join the training sources.
 * The validation set is a fixed list of 50×50 windows (no symmetries, a fixed draw of the training noise); training batches draw
 * any allowed window, one of the 8 symmetries (for blos also a random polarity), and the paper's input
 * noise (σ 1e-3 intensity, 1e-2 kG).
 */

export interface LoadTrainingSetOptions {
  /** The folder holding data/train (the repository's ../shared). */
  sharedDir: string;
  /** Seeds the default random source of `sampleBatch`. */
  seed?: number;
  /** Where degraded images are cached (default runs/cache under the working directory); false: never. */
  cacheDir?: string | false;
  /**
   * How many copies of each training scene with synthetic sunspots put in before degrading join the
   * training sources (default 0). Intensity: copies of the MURaM scene, 1–3 dark spots multiplied in;
   * blos: copies of each training map, 1–2 spots of 1.8–3 kG umbrae whose field replaces the map's.
   */
  sunspotScenes?: number;
  /**
   * blos only: how many copies of each training map whose field survives only in 1–3 soft islands
   * (10–30" across) and is scaled to 2–8% elsewhere, before degrading, join the training sources
   * (default 0): quiet surroundings that HMI's PSF fills with stray light (./quiet-surroundings.ts).
   */
  quietScenes?: number;
}

export interface SampleBatchOptions {
  /**
   * Gaussian noise added to the inputs: one σ, or a per-patch range (see InputNoise); default the
   * paper's σ for the kind.
   */
  inputNoise?: InputNoise;
}

/** An aligned image pair at full size: for evaluating methods on whole images rather than patches. */
export interface ImagePair {
  readonly name: string;
  readonly input: ImagePlane;
  readonly target: ImagePlane;
}

export interface TrainingSetInfo {
  readonly kind: EnhanceKind;
  readonly units: string;
  readonly sourceScaleArcsec: number;
  readonly inputScaleArcsec: number;
  readonly targetScaleArcsec: number;
  readonly inputPsf: typeof PAPER_DEGRADATION.inputPsf;
  readonly targetPsf: typeof PAPER_DEGRADATION.targetPsf;
  readonly kernels: { file: string; input: KernelInfo; target: KernelInfo }[];
  /** Per source file: the crop applied to it (source pixels, 0-based) and the degraded sizes. */
  readonly sources: {
    file: string;
    sha256: string;
    split: 'train' | 'validation' | 'train+validation';
    crop: PixelRectangle;
    inputSize: [number, number];
    targetSize: [number, number];
  }[];
  readonly inputNoiseSigma: number;
  readonly trainingWindows: number;
  readonly validationPatches: number;
  /** The validation region(s), in input pixels of their source. */
  readonly validationRegions: { file: string; region: PixelRectangle }[];
  /** For blos: the spectral bound on the NIRIS pixel scale, per file. */
  readonly pixelScaleCheck?: { file: string; estimate: DiffractionScaleEstimate }[];
  /** With synthetic sunspots: each spotted training scene's seed and spots (and, for blos, its map). */
  readonly sunspotScenes?: { seed: number; file?: string; spots: SunspotShape[] | MagneticSpotShape[] }[];
  /** For blos with quiet surroundings: each such training map's seed, file and islands. */
  readonly quietScenes?: { seed: number; file: string; surroundings: QuietSurroundings }[];
}

export interface TrainingSet {
  readonly train: {
    sampleBatch(count: number, random?: RandomSource, options?: SampleBatchOptions): PatchBatch;
  };
  readonly validation: {
    /** The fixed validation patches, all in one batch. */
    readonly patches: PatchBatch;
    /** The validation patches in order, `size` at a time (the last batch may be smaller). */
    batches(size: number): Generator<PatchBatch>;
    /** Which runs of the patches come from which validation image (named as in `images`), in order. */
    readonly groups: readonly { name: string; patches: number }[];
    readonly images: readonly ImagePair[];
  };
  readonly info: TrainingSetInfo;
}

export const MURAM_FILE = 'muram_qs_continuum_0.0662as_1000x1000.npy';
export const MURAM_PIXEL_SCALE_ARCSEC = 0.0662;
/** Real seeing-free quiet Sun (Sunrise-I/IMaX, 1 m): validation only, never trained on. */
export const IMAX_FILE = 'sunrise_imax_quiet_sun_5250A_0.055as_952x952.fits';
export const IMAX_PIXEL_SCALE_ARCSEC = 0.055;
/** The frame's edges are apodised over about 20 px: cropped away. */
export const IMAX_EDGE_CROP_PX = 24;
/**
 * A spot placed in the middle of the held-out MURaM block (source pixels), so validation also measures
 * how stray light is taken out of an umbra next to granulation.
 */
export const VALIDATION_SUNSPOT: SunspotShape = Object.freeze({
  x: 285,
  y: 190,
  penumbraRadiusArcsec: 7,
  umbraRadiusArcsec: 3.2,
  axisRatio: 0.9,
  angle: 0.4,
  umbraLevel: 0.25,
  penumbraLevel: 0.75,
});
export const NIRIS_FILES = [
  'gst_niris_bz_20170713_201549.fits',
  'gst_niris_bz_tracking_frame_1.fits',
  'gst_niris_bz_tracking_frame_2.fits',
  'gst_niris_bz_tracking_frame_3.fits',
] as const;
export const NIRIS_VALIDATION_FILE = 'gst_niris_bz_tracking_frame_3.fits';
/** GST/NIRIS's plate scale; the data carry no scale keyword, see `pixelScaleCheck` and docs/physics.md. */
export const NIRIS_PIXEL_SCALE_ARCSEC = 0.083;
export const NIRIS_APERTURE_M = 1.6;
export const NIRIS_WAVELENGTH_M = 1.56e-6;
/** Pixels dropped inside the valid rectangle, where rotation interpolation mixed in the blank border. */
export const NIRIS_CROP_MARGIN_PX = 2;
/**
 * A spot put in the validation map, beside its plain copy, so validation also measures whether the
 * network keeps a sunspot's flux (source pixels; positive umbra next to the map's mixed plage).
 */
export const VALIDATION_MAGNETIC_SPOT: MagneticSpotShape = Object.freeze({
  x: 330,
  y: 300,
  penumbraRadiusArcsec: 8,
  umbraRadiusArcsec: 3.6,
  axisRatio: 0.9,
  angle: 0.4,
  umbraField: 2.5,
  penumbraField: 1.0,
});
export const INPUT_NOISE_SIGMA: Readonly<Record<EnhanceKind, number>> = Object.freeze({ intensity: 1e-3, blos: 1e-2 });
/** The held-out intensity block, in 0.504"/px input pixels. */
export const INTENSITY_VALIDATION_REGION: PixelRectangle = Object.freeze({ x: 0, y: 0, width: 75, height: 50 });
const VALIDATION_STRIDE = { intensity: 5, imax: 5, blos: 5 } as const;
/** Seeds the validation inputs' noise, independent of the run's seed so that every run sees the same set. */
const VALIDATION_NOISE_SEED = 20180601;
// Bump when the degradation changes, so stale cache entries are not reused.
const CACHE_VERSION = 1;

async function readSource(sharedDir: string, file: string): Promise<Uint8Array> {
  const path = join(sharedDir, 'data', 'train', file);
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new TrainingDataError({ message: 'training source not found or unreadable', code: 'DATA_MISSING', file: path, cause });
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function overlaps(a: PixelRectangle, b: PixelRectangle): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function fixedOrigins(region: PixelRectangle, stride: number): [number, number][] {
  const along = (start: number, length: number) => {
    const last = start + length - INPUT_PATCH_SIZE;
    const values: number[] = [];
    for (let v = start; v <= last; v += stride) values.push(v);
    // The last window sits flush with the region's far edge; it replaces a neighbour closer than half a stride.
    if (values[values.length - 1] !== last) {
      if (last - values[values.length - 1] < stride / 2 && values.length > 1) values.pop();
      values.push(last);
    }
    return values;
  };
  return along(region.y, region.height).flatMap((y) => along(region.x, region.width).map((x): [number, number] => [x, y]));
}

function buildSet(
  kind: EnhanceKind,
  trainSources: PatchSource[],
  validationSources: PatchSource[],
  images: ImagePair[],
  info: Omit<TrainingSetInfo, 'trainingWindows' | 'validationPatches' | 'inputNoiseSigma'>,
  seed: number,
): TrainingSet {
  if (images.length !== validationSources.length) {
    throw new TrainingDataError({
      message: `${validationSources.length} validation sources but ${images.length} validation images: each source is one image`,
      code: 'DATA_ARGUMENT',
    });
  }
  const validationCount = validationSources.reduce((n, s) => n + s.origins.length, 0);
  const patches = emptyBatch(validationCount);
  let index = 0;
  for (const source of validationSources) for (const origin of source.origins) writePatchPair(patches, index++, source, origin, 0);
  const defaultRandom = createRandom(seed);
  const inputNoiseSigma = INPUT_NOISE_SIGMA[kind];
  // The inputs carry the training noise too (a fixed draw, the same for every run): real HMI data are
  // noisy, and weights chosen on noise-free inputs sharpen the noise instead of removing it.
  addGaussianNoise(patches.inputs, inputNoiseSigma, createRandom(VALIDATION_NOISE_SEED));
  return {
    train: {
      sampleBatch: (count, random = defaultRandom, options = {}) =>
        samplePatchBatch(trainSources, count, random, options.inputNoise ?? inputNoiseSigma, { signFlip: kind === 'blos' }),
    },
    validation: {
      patches,
      *batches(size: number) {
        if (!Number.isInteger(size) || size < 1) {
          throw new TrainingDataError({ message: `validation batch size must be a positive integer, got ${size}`, code: 'DATA_ARGUMENT' });
        }
        const inputLength = INPUT_PATCH_SIZE * INPUT_PATCH_SIZE;
        const targetLength = 4 * inputLength;
        for (let start = 0; start < patches.count; start += size) {
          const count = Math.min(size, patches.count - start);
          yield {
            count,
            inputs: patches.inputs.subarray(start * inputLength, (start + count) * inputLength),
            targets: patches.targets.subarray(start * targetLength, (start + count) * targetLength),
            inputShape: [count, 1, INPUT_PATCH_SIZE, INPUT_PATCH_SIZE],
            targetShape: [count, 1, 2 * INPUT_PATCH_SIZE, 2 * INPUT_PATCH_SIZE],
          };
        }
      },
      groups: validationSources.map((source, i) => ({ name: images[i].name, patches: source.origins.length })),
      images,
    },
    info: {
      ...info,
      inputNoiseSigma,
      trainingWindows: trainSources.reduce((n, s) => n + s.origins.length, 0),
      validationPatches: validationCount,
    },
  };
}

async function loadIntensity(options: Required<LoadTrainingSetOptions>): Promise<TrainingSet> {
  const bytes = await readSource(options.sharedDir, MURAM_FILE);
  const array = readNpy(bytes, { file: MURAM_FILE });
  if (array.shape.length !== 2) {
    throw new TrainingDataError({
      message: `expected a 2-D image, got shape (${array.shape.join(', ')})`,
      code: 'DATA_SHAPE',
      file: MURAM_FILE,
    });
  }
  const [height, width] = array.shape;
  const checksum = sha256(bytes);
  let sum = 0;
  for (let i = 0; i < array.data.length; i++) sum += array.data[i];
  const mean = sum / array.data.length;
  const scene = (): ImagePlane => ({ width, height, data: Float64Array.from(array.data, (v) => v / mean) });
  const degradeMuram = async (spots: readonly SunspotShape[]) =>
    cachedPlanes(
      options.cacheDir,
      { CACHE_VERSION, kind: 'intensity', checksum, recipe: PAPER_DEGRADATION, ...(spots.length > 0 ? { spots } : {}) },
      () => {
        const source = spots.length > 0 ? withSunspots(scene(), MURAM_PIXEL_SCALE_ARCSEC, spots, true) : scene();
        const pair = degradePair(source, { sourceScaleArcsec: MURAM_PIXEL_SCALE_ARCSEC, boundary: 'periodic', file: MURAM_FILE });
        return { planes: [pair.input, pair.target], meta: { input: pair.inputKernel, target: pair.targetKernel } };
      },
    );
  const { planes, meta } = await degradeMuram([]);
  const [input, target] = planes;
  const region = INTENSITY_VALIDATION_REGION;
  const trainingOrigins = windowOrigins(
    input.width,
    input.height,
    (x, y) => !overlaps({ x, y, width: INPUT_PATCH_SIZE, height: INPUT_PATCH_SIZE }, region),
  );
  const trainSources: PatchSource[] = [{ input, target, origins: trainingOrigins }];
  const sunspotScenes: { seed: number; spots: SunspotShape[] }[] = [];
  for (let i = 0; i < options.sunspotScenes; i++) {
    const seed = options.seed * 1000 + i + 1;
    const spots = drawSunspots(width, height, createRandom(seed));
    const spotted = await degradeMuram(spots);
    trainSources.push({ input: spotted.planes[0], target: spotted.planes[1], origins: trainingOrigins });
    sunspotScenes.push({ seed, spots });
  }
  const validationOrigins = fixedOrigins(region, VALIDATION_STRIDE.intensity);
  const spottedValidation = await degradeMuram([VALIDATION_SUNSPOT]);
  const imax = await loadImax(options);
  const validationSources: PatchSource[] = [
    { input, target, origins: validationOrigins },
    { input: spottedValidation.planes[0], target: spottedValidation.planes[1], origins: validationOrigins },
    {
      input: imax.input,
      target: imax.target,
      origins: fixedOrigins({ x: 0, y: 0, width: imax.input.width, height: imax.input.height }, VALIDATION_STRIDE.imax),
    },
  ];
  const block = (plane: ImagePlane, factor: number) =>
    cropPlane(plane, factor * region.x, factor * region.y, factor * region.width, factor * region.height);
  const images: ImagePair[] = [
    { name: `${MURAM_FILE} validation block`, input: block(input, 1), target: block(target, 2) },
    {
      name: `${MURAM_FILE} validation block with a synthetic sunspot`,
      input: block(spottedValidation.planes[0], 1),
      target: block(spottedValidation.planes[1], 2),
    },
    { name: IMAX_FILE, input: imax.input, target: imax.target },
  ];
  return buildSet(
    'intensity',
    trainSources,
    validationSources,
    images,
    {
      kind: 'intensity',
      units: 'I / <I> of the quiet-Sun scene (quiet Sun ≈ 1)',
      sourceScaleArcsec: MURAM_PIXEL_SCALE_ARCSEC,
      inputScaleArcsec: PAPER_DEGRADATION.inputScaleArcsec,
      targetScaleArcsec: PAPER_DEGRADATION.targetScaleArcsec,
      inputPsf: PAPER_DEGRADATION.inputPsf,
      targetPsf: PAPER_DEGRADATION.targetPsf,
      kernels: [
        { file: MURAM_FILE, ...meta },
        { file: IMAX_FILE, ...imax.kernels },
      ],
      sources: [
        {
          file: MURAM_FILE,
          sha256: checksum,
          split: 'train+validation',
          crop: { x: 0, y: 0, width, height },
          inputSize: [input.width, input.height],
          targetSize: [target.width, target.height],
        },
        imax.source,
      ],
      validationRegions: [
        { file: MURAM_FILE, region },
        { file: `${MURAM_FILE} with a synthetic sunspot`, region },
        { file: IMAX_FILE, region: { x: 0, y: 0, width: imax.input.width, height: imax.input.height } },
      ],
      ...(sunspotScenes.length > 0 ? { sunspotScenes } : {}),
    },
    options.seed,
  );
}

/** The IMaX frame as read (float64), its apodised edges cropped away. */
export function imaxFrameWithoutEdges(bytes: Uint8Array): ImagePlane {
  const image = readFits(bytes, { file: IMAX_FILE, precision: 'float64' });
  return cropPlane(
    { width: image.width, height: image.height, data: image.data },
    IMAX_EDGE_CROP_PX,
    IMAX_EDGE_CROP_PX,
    image.width - 2 * IMAX_EDGE_CROP_PX,
    image.height - 2 * IMAX_EDGE_CROP_PX,
  );
}

/** The IMaX frame without its apodised edges, divided by its mean, degraded like MURaM (reflecting edges). */
async function loadImax(options: Required<LoadTrainingSetOptions>) {
  const bytes = await readSource(options.sharedDir, IMAX_FILE);
  const checksum = sha256(bytes);
  const { planes, meta } = await cachedPlanes(
    options.cacheDir,
    { CACHE_VERSION, kind: 'intensity-imax', checksum, recipe: PAPER_DEGRADATION, IMAX_EDGE_CROP_PX },
    () => {
      const cropped = imaxFrameWithoutEdges(bytes);
      let total = 0;
      let finite = 0;
      for (const v of cropped.data)
        if (Number.isFinite(v)) {
          total += v;
          finite++;
        }
      if (finite !== cropped.data.length || !(total > 0)) {
        throw new TrainingDataError({
          message: `expected a positive image with no blank pixels inside the ${IMAX_EDGE_CROP_PX} px edge crop`,
          code: 'DATA_SHAPE',
          file: IMAX_FILE,
        });
      }
      const level = total / finite;
      const source: ImagePlane = { width: cropped.width, height: cropped.height, data: cropped.data.map((v) => v / level) };
      const pair = degradePair(source, { sourceScaleArcsec: IMAX_PIXEL_SCALE_ARCSEC, boundary: 'reflect', file: IMAX_FILE });
      return {
        planes: [pair.input, pair.target],
        meta: { input: pair.inputKernel, target: pair.targetKernel, width: cropped.width, height: cropped.height },
      };
    },
  );
  const [input, target] = planes;
  const crop: PixelRectangle = { x: IMAX_EDGE_CROP_PX, y: IMAX_EDGE_CROP_PX, width: meta.width, height: meta.height };
  return {
    input,
    target,
    kernels: { input: meta.input, target: meta.target },
    source: {
      file: IMAX_FILE,
      sha256: checksum,
      split: 'validation' as const,
      crop,
      inputSize: [input.width, input.height] as [number, number],
      targetSize: [target.width, target.height] as [number, number],
    },
  };
}

async function loadMagnetogram(options: Required<LoadTrainingSetOptions>): Promise<TrainingSet> {
  const trainSources: PatchSource[] = [];
  const validationSources: PatchSource[] = [];
  const images: ImagePair[] = [];
  const kernels: TrainingSetInfo['kernels'] = [];
  const sources: TrainingSetInfo['sources'] = [];
  const pixelScaleCheck: NonNullable<TrainingSetInfo['pixelScaleCheck']> = [];
  let validationRegion: PixelRectangle | undefined;
  const sunspotScenes: { seed: number; file: string; spots: MagneticSpotShape[] }[] = [];
  const quietScenes: { seed: number; file: string; surroundings: QuietSurroundings }[] = [];
  for (const [fileIndex, file] of NIRIS_FILES.entries()) {
    const bytes = await readSource(options.sharedDir, file);
    const checksum = sha256(bytes);
    const degradeMap = async (spots: readonly MagneticSpotShape[], quiet?: QuietSurroundings) =>
      cachedPlanes(
        options.cacheDir,
        {
          CACHE_VERSION,
          kind: 'blos',
          checksum,
          recipe: PAPER_DEGRADATION,
          NIRIS_PIXEL_SCALE_ARCSEC,
          NIRIS_CROP_MARGIN_PX,
          ...(spots.length > 0 ? { spots } : {}),
          ...(quiet ? { quiet } : {}),
        },
        () => {
          const image = readFits(bytes, { file, precision: 'float64' });
          const valid = new Uint8Array(image.width * image.height);
          for (let i = 0; i < valid.length; i++) valid[i] = Number.isFinite(image.data[i]) && image.data[i] !== 0 ? 1 : 0;
          const rectangle = largestValidRectangle(valid, image.width, image.height);
          const crop: PixelRectangle = {
            x: rectangle.x + NIRIS_CROP_MARGIN_PX,
            y: rectangle.y + NIRIS_CROP_MARGIN_PX,
            width: rectangle.width - 2 * NIRIS_CROP_MARGIN_PX,
            height: rectangle.height - 2 * NIRIS_CROP_MARGIN_PX,
          };
          const gauss = cropPlane({ width: image.width, height: image.height, data: image.data }, crop.x, crop.y, crop.width, crop.height);
          const map: ImagePlane = { width: gauss.width, height: gauss.height, data: gauss.data.map((v) => v / 1000) };
          const quieted = quiet ? withQuietSurroundings(map, NIRIS_PIXEL_SCALE_ARCSEC, quiet) : map;
          const source = spots.length > 0 ? withMagneticSpots(quieted, NIRIS_PIXEL_SCALE_ARCSEC, spots, false) : quieted;
          const pair = degradePair(source, { sourceScaleArcsec: NIRIS_PIXEL_SCALE_ARCSEC, boundary: 'reflect', file });
          // The pixel-scale check reads the map as observed, never a spotted copy.
          const estimate =
            spots.length > 0 || quiet
              ? undefined
              : estimateDiffractionPixelScale(gauss, { apertureM: NIRIS_APERTURE_M, wavelengthM: NIRIS_WAVELENGTH_M });
          return { planes: [pair.input, pair.target], meta: { crop, input: pair.inputKernel, target: pair.targetKernel, estimate } };
        },
      );
    const { planes, meta } = await degradeMap([]);
    const [input, target] = planes;
    const isValidation = file === NIRIS_VALIDATION_FILE;
    kernels.push({ file, input: meta.input, target: meta.target });
    pixelScaleCheck.push({ file, estimate: meta.estimate as DiffractionScaleEstimate });
    sources.push({
      file,
      sha256: checksum,
      split: isValidation ? 'validation' : 'train',
      crop: meta.crop,
      inputSize: [input.width, input.height],
      targetSize: [target.width, target.height],
    });
    if (isValidation) {
      validationRegion = { x: 0, y: 0, width: input.width, height: input.height };
      const spotted = await degradeMap([VALIDATION_MAGNETIC_SPOT]);
      validationSources.push({ input, target, origins: fixedOrigins(validationRegion, VALIDATION_STRIDE.blos) });
      validationSources.push({
        input: spotted.planes[0],
        target: spotted.planes[1],
        origins: fixedOrigins(validationRegion, VALIDATION_STRIDE.blos),
      });
      images.push({ name: file, input, target });
      images.push({ name: `${file} with a synthetic sunspot`, input: spotted.planes[0], target: spotted.planes[1] });
    } else {
      const origins = windowOrigins(input.width, input.height);
      trainSources.push({ input, target, origins });
      for (let i = 0; i < options.sunspotScenes; i++) {
        const seed = options.seed * 1000 + 100 * fileIndex + i + 1;
        const { width, height } = meta.crop;
        const spots = drawMagneticSpots(width, height, createRandom(seed));
        const spotted = await degradeMap(spots);
        trainSources.push({ input: spotted.planes[0], target: spotted.planes[1], origins });
        sunspotScenes.push({ seed, file, spots });
      }
      for (let i = 0; i < options.quietScenes; i++) {
        const seed = options.seed * 1000 + 100 * fileIndex + 50 + i + 1;
        const surroundings = drawQuietSurroundings(meta.crop.width, meta.crop.height, createRandom(seed));
        const quieted = await degradeMap([], surroundings);
        trainSources.push({ input: quieted.planes[0], target: quieted.planes[1], origins });
        quietScenes.push({ seed, file, surroundings });
      }
    }
  }
  return buildSet(
    'blos',
    trainSources,
    validationSources,
    images,
    {
      kind: 'blos',
      units: 'kG (Gauss / 1000)',
      sourceScaleArcsec: NIRIS_PIXEL_SCALE_ARCSEC,
      inputScaleArcsec: PAPER_DEGRADATION.inputScaleArcsec,
      targetScaleArcsec: PAPER_DEGRADATION.targetScaleArcsec,
      inputPsf: PAPER_DEGRADATION.inputPsf,
      targetPsf: PAPER_DEGRADATION.targetPsf,
      kernels,
      sources,
      validationRegions: validationRegion
        ? [
            { file: NIRIS_VALIDATION_FILE, region: validationRegion },
            { file: `${NIRIS_VALIDATION_FILE} with a synthetic sunspot`, region: validationRegion },
          ]
        : [],
      pixelScaleCheck,
      ...(sunspotScenes.length > 0 ? { sunspotScenes } : {}),
      ...(quietScenes.length > 0 ? { quietScenes } : {}),
      ...(quietScenes.length > 0 ? { quietScenes } : {}),
    },
    options.seed,
  );
}

/**
 * Loads (building and caching on first use) the training set of one network: random training batches,
 * a fixed validation set and a description of how both were made.
 */
export async function loadTrainingSet(kind: EnhanceKind, options: LoadTrainingSetOptions): Promise<TrainingSet> {
  const resolved: Required<LoadTrainingSetOptions> = {
    sharedDir: options.sharedDir,
    seed: options.seed ?? 0,
    cacheDir: options.cacheDir ?? join(process.cwd(), 'runs', 'cache'),
    sunspotScenes: options.sunspotScenes ?? 0,
    quietScenes: options.quietScenes ?? 0,
  };
  if (!Number.isInteger(resolved.quietScenes) || resolved.quietScenes < 0) {
    throw new TrainingDataError({
      message: `quietScenes must be a non-negative integer, got ${resolved.quietScenes}`,
      code: 'DATA_ARGUMENT',
    });
  }
  if (kind === 'intensity' && resolved.quietScenes > 0) {
    throw new TrainingDataError({ message: 'quiet surroundings are for the magnetogram network', code: 'DATA_ARGUMENT' });
  }
  if (!Number.isInteger(resolved.sunspotScenes) || resolved.sunspotScenes < 0) {
    throw new TrainingDataError({
      message: `sunspotScenes must be a non-negative integer, got ${resolved.sunspotScenes}`,
      code: 'DATA_ARGUMENT',
    });
  }
  return kind === 'intensity' ? loadIntensity(resolved) : loadMagnetogram(resolved);
}
