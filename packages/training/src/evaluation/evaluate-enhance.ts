import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENHANCE_KINDS, MODEL_VARIANTS, modelFileName, readFits, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { readModel } from '@enhance/graph-builder';
import { convolvePlane } from '../physics/convolve.js';
import { createRichardsonLucyModel } from '../physics/richardson-lucy-model.js';
import { rebinPlane } from '../physics/rebin.js';
import { samplePsfKernel } from '../physics/psf-kernel.js';
import type { ImagePlane } from '../physics/image-plane.js';
import { PAPER_DEGRADATION } from '../data/degrade-pair.js';
import { loadTrainingSet, type TrainingSetInfo } from '../data/load-training-set.js';
import { readNpy } from '../data/read-npy.js';
import { azimuthalPowerSpectrum, type PowerSpectrum } from '../physics/power-spectrum.js';
import { HMI_QUIET_SUN_FILE } from '../physics/psf-spectrum-comparison.js';
import { EvaluationError } from './evaluation-error.js';
import { fieldGain, psnr, relativeRmsError, rmsContrast, unsignedFlux } from './image-metrics.js';
import {
  axisAnisotropy,
  beyondCutoffPowerFraction,
  binnedMeanRatio,
  diffractionCutoffCyclesPerPixel,
  weakFieldRatio,
} from './artefact-metrics.js';
import { estimateNoiseSigma, normalisationScale } from '@enhance/core';
import { createBicubicModel, createBilinearModel, onnxImageMethod, type ImageMethod } from './onnx-image-method.js';

export const RICHARDSON_LUCY_ITERATIONS = 20;
/** Fields "near 1 kG" for the gain statistic, in kG. */
export const FIELD_GAIN_BAND_KG: readonly [number, number] = Object.freeze([0.9, 1.1]) as readonly [number, number];
/** Input pixels darker than this (I/Ic) count as umbra. */
export const UMBRA_THRESHOLD = 0.5;

export const HMI_CONTINUUM_FILES = ['hmi_ic45s_ar_200x200.fits'] as const;
/**
 * Further real continuum images for the checks that need no reference method (mean kept, artefacts):
 * JSOC's Rice-compressed SHARP cut-outs (DN/s, divided by their quiet-Sun level as the CLI does) and a
 * near-limb frame with NaN off the disk.
 */
export const HMI_EXTRA_CONTINUUM_FILES = [
  'hmi.sharp_cea_720s.2875.20130618_122400_TAI.continuum.fits',
  'hmi.sharp_cea_720s.2875.20130620_103600_TAI.continuum.fits',
  'hmi.sharp_cea_720s.2875.20130622_084800_TAI.continuum.fits',
  'hmi.sharp_cea_720s.3700.20140131_024800_TAI.continuum.fits',
  'hmi.sharp_cea_720s.3700.20140203_133600_TAI.continuum.fits',
  'hmi_ic_near_limb_400x500.fits',
] as const;
/** Weak-field areas: |B| of the interpolated input, smoothed over σ = 4 output px, below 40 G. */
export const WEAK_FIELD_GAUSS = 40;
export const WEAK_FIELD_SMOOTHING_PX = 4;
/** The band and wedge of the streak index (added detail, fine scales, close to the axes). */
export const STREAK_BAND: readonly [number, number] = Object.freeze([0.2, 0.45]) as readonly [number, number];
export const STREAK_HALF_ANGLE_DEG = 5;
/**
 * The input's finest scales, cycles per input px (its Nyquist is 0.5), for its own anisotropy beside the
 * streak index: the added detail at 0.2–0.45 cycles per output px is built from what the input holds
 * up to its Nyquist.
 */
export const STREAK_BAND_INPUT: readonly [number, number] = Object.freeze([0.2, 0.45]) as readonly [number, number];
/** The 28 cm target's diffraction cutoff on the 0.252"/px output grid (≈0.554 cycles/px). */
export const TARGET_CUTOFF_CYCLES_PER_PX = diffractionCutoffCyclesPerPixel(
  PAPER_DEGRADATION.targetPsf.kind === 'airy' ? PAPER_DEGRADATION.targetPsf.apertureM : 0.28,
  6173e-10,
  PAPER_DEGRADATION.targetScaleArcsec,
);
export const HMI_MAGNETOGRAM_FILES = [
  'hmi_blos_ar_200x200_gauss.fits',
  'hmi_blos_720s_20100830_173600_256x256.fits',
  'hmi_blos_720s_20101027_222400_256x256.fits',
] as const;

export interface ModelEntry {
  readonly kind: EnhanceKind;
  readonly variant: ModelVariant;
  readonly file: string;
  readonly metadata: Record<string, string>;
}

export interface MethodScore {
  readonly method: string;
  readonly relativeRmsError: number;
  readonly psnrDb: number;
  readonly seconds: number;
}

export interface ValidationResult {
  readonly kind: EnhanceKind;
  readonly image: string;
  readonly inputSize: [number, number];
  readonly scores: MethodScore[];
  /**
   * Magnetograms: unsigned flux and weak-field |B| of each output over the input's, and of the 28 cm
   * target itself — what the training data say a perfect network would do to them.
   */
  readonly fieldRatios?: { method: string; fluxRatio: number; weakFieldRatio: number }[];
  /**
   * Mean |HMI(x) − input| / mean |input| of the 28 cm target and of each output (the check "explains the
   * data" applies to real files): what a perfect network would leave, the 28 cm PSF's blur included.
   */
  readonly residuals?: { method: string; residual: number }[];
  /** Intensity: RMS contrast σ/⟨I⟩ of the input, of the 28 cm target and of each output. */
  readonly contrasts?: { method: string; contrast: number }[];
  /** Intensity, where the image holds umbra (input < UMBRA_THRESHOLD): the umbral change of the target and of each output. */
  readonly umbralChanges?: { method: string; change: number }[];
}

export interface ContinuumResult {
  readonly image: string;
  readonly method: string;
  readonly contrastBefore: number;
  readonly contrastAfter: number;
  /** Mean output over mean input inside the umbra (input < UMBRA_THRESHOLD), minus 1; NaN without umbra. */
  readonly umbralChange: number;
  /** Mean |HMI(output) − input| / mean |input|: how well the output, degraded again, explains the data. */
  readonly reconvolutionResidual: number;
}

export interface MagnetogramResult {
  readonly image: string;
  readonly method: string;
  /** Σ|B| × pixel area, G·arcsec². */
  readonly fluxBefore: number;
  readonly fluxAfter: number;
  readonly gainNear1kG: number;
  readonly gainPixels: number;
  /** Mean |HMI(output) − input| in gauss. */
  readonly reconvolutionResidualGauss: number;
}

/** What one method does to one real HMI image, for the paper's checks (models/MODEL_CARD.md). */
export interface RealImageCheck {
  readonly image: string;
  readonly kind: EnhanceKind;
  readonly method: string;
  /** Intensity: mean of the output binned 2×2 over the mean input (finite pixels). */
  readonly meanRatio?: number;
  /** Magnetograms: total unsigned flux out / in. */
  readonly fluxRatio?: number;
  /** Magnetograms: mean |B| out / in over the weak-field areas, and their share of the image. */
  readonly weakFieldRatio?: number;
  readonly weakFieldFraction?: number;
  /** Mean |HMI(output) − input| / mean |input|. */
  readonly redegradedResidual: number;
  /**
   * Magnetograms: the part of that residual the input's own noise accounts for when a method removes
   * it, mean |noise| / mean |input| = 0.80 σ / mean |input| (σ from the input's finest scales) — a
   * residual below it means the noise was kept.
   */
  readonly residualNoiseFloor?: number;
  /** Share of the output's power beyond the 28 cm cutoff, and the same for the bicubic ×2 input. */
  readonly beyondCutoff: number;
  readonly beyondCutoffInput: number;
  /**
   * Streaks: axis-aligned anisotropy of the detail the method added (output − bicubic ×2 input) at
   * 0.2–0.45 px⁻¹ within ±5° of the axes; ≈1 for isotropic detail.
   */
  readonly streakIndex: number;
  /**
   * The same anisotropy of the input itself, at its own finest scales (0.2–0.45 cycles per input px,
   * up to just below its Nyquist of 0.5): granulation foreshortened near the limb, or a remapped (CEA) patch,
   * is elongated along an axis before any method touches it. Reported beside the index, not in its place.
   */
  readonly streakIndexInput: number;
}

/** Spectra of one real HMI image: its input brought to the output grid (bicubic) and each method's output. */
export interface SpectrumSet {
  readonly image: string;
  readonly kind: EnhanceKind;
  readonly spectra: { method: string; spectrum: PowerSpectrum }[];
}

/** Everything needed for the pictures: the first validation image per kind, with every method's output. */
export interface PictureSet {
  readonly kind: EnhanceKind;
  readonly name: string;
  readonly input: ImagePlane;
  readonly target?: ImagePlane;
  readonly outputs: { method: string; image: ImagePlane }[];
}

export interface EnhanceEvaluation {
  readonly models: ModelEntry[];
  readonly trainingSets: Partial<Record<EnhanceKind, TrainingSetInfo>>;
  readonly validation: ValidationResult[];
  readonly continuum: ContinuumResult[];
  readonly magnetograms: MagnetogramResult[];
  readonly spectra: SpectrumSet[];
  readonly pictures: PictureSet[];
  /** Where both variants exist: relative RMS difference of the lite output from the full one (paper: about 3%). */
  readonly liteVsFull: { image: string; kind: EnhanceKind; relativeDifference: number }[];
  readonly checks: RealImageCheck[];
}

export interface EvaluateEnhanceOptions {
  sharedDir: string;
  modelsDir: string;
  cacheDir?: string | false;
  threads?: number;
  kinds?: readonly EnhanceKind[];
  log?: (line: string) => void;
}

/** The models present in a folder, with their ONNX metadata. */
export async function findModels(modelsDir: string, kinds: readonly EnhanceKind[] = ENHANCE_KINDS): Promise<ModelEntry[]> {
  const entries: ModelEntry[] = [];
  for (const kind of kinds) {
    for (const variant of MODEL_VARIANTS) {
      const file = join(modelsDir, modelFileName(kind, variant));
      if (!existsSync(file)) continue;
      const { metadata } = readModel(new Uint8Array(await readFile(file)), file);
      entries.push({ kind, variant, file, metadata });
    }
  }
  return entries;
}

export function finite(image: ImagePlane): ImagePlane {
  return { ...image, data: image.data.map((v) => (Number.isFinite(v) ? v : 0)) };
}

export function scaled(image: ImagePlane, factor: number): ImagePlane {
  return { ...image, data: image.data.map((v) => v * factor) };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000 };
}

export async function readFitsPlane(path: string, file: string): Promise<ImagePlane> {
  try {
    const image = readFits(new Uint8Array(await readFile(path)), { file, precision: 'float64' });
    return { width: image.width, height: image.height, data: image.data };
  } catch (cause) {
    throw new EvaluationError({ message: 'cannot read the HMI image', code: 'EVALUATION_INPUT', file: path, cause });
  }
}

function meanAbsolute(image: ImagePlane): number {
  return image.data.reduce((a, b) => a + Math.abs(b), 0) / image.data.length;
}

function meanAbsoluteDifference(a: ImagePlane, b: ImagePlane): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new EvaluationError({ message: `sizes differ, ${a.width}×${a.height} against ${b.width}×${b.height}`, code: 'EVALUATION_SHAPE' });
  }
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

/** The training degradation applied to a 0.252"/px output: HMI PSF (paper's, 99% energy), then 2×2 rebinning to 0.504"/px. */
export function createRedegrade(): (output: ImagePlane) => ImagePlane {
  const { inputPsf, targetScaleArcsec, inputScaleArcsec, energyFraction } = PAPER_DEGRADATION;
  const kernel = samplePsfKernel(inputPsf, { pixelScaleArcsec: targetScaleArcsec, energyFraction });
  return (output) =>
    rebinPlane(convolvePlane(output, kernel, 'reflect'), { inputScaleArcsec: targetScaleArcsec, outputScaleArcsec: inputScaleArcsec });
}

/** Where both variants ran on an image: the lite output's relative RMS difference from the full one's. */
function liteVsFull(
  image: string,
  kind: EnhanceKind,
  outputs: readonly { method: string; image: ImagePlane }[],
): EnhanceEvaluation['liteVsFull'][number] | undefined {
  const full = outputs.find((o) => o.method === 'Enhance full');
  const lite = outputs.find((o) => o.method === 'Enhance lite');
  return full && lite ? { image, kind, relativeDifference: relativeRmsError(lite.image, full.image) } : undefined;
}

/** Mean output over mean input inside the umbra (interpolated input < UMBRA_THRESHOLD), minus 1; NaN without umbra. */
export function umbralChange(interpolated: ImagePlane, output: ImagePlane): number {
  let inside = 0;
  let before = 0;
  let after = 0;
  for (let i = 0; i < interpolated.data.length; i++) {
    if (interpolated.data[i] < UMBRA_THRESHOLD) {
      inside += 1;
      before += interpolated.data[i];
      after += output.data[i];
    }
  }
  return inside > 0 ? after / before - 1 : Number.NaN;
}

export function realImageCheck(
  kind: EnhanceKind,
  image: string,
  method: string,
  raw: ImagePlane,
  input: ImagePlane,
  output: ImagePlane,
  upsampled: ImagePlane,
  unitsPerValue: number,
  redegrade: (output: ImagePlane) => ImagePlane,
  /** The bicubic input's share beyond the cutoff: computed once per image, not per method. */
  beyondCutoffInput: number,
): RealImageCheck {
  // Off-disk pixels (NaN in the file) are left out of every ratio.
  const outputOnDisk: ImagePlane = {
    ...output,
    data: output.data.map((v, i) =>
      Number.isFinite(raw.data[((i / output.width / 2) | 0) * raw.width + (((i % output.width) / 2) | 0)]) ? v : Number.NaN,
    ),
  };
  const common = {
    image,
    kind,
    method,
    redegradedResidual: meanAbsoluteDifference(redegrade(output), input) / meanAbsolute(input),
    beyondCutoff: beyondCutoffPowerFraction(output, TARGET_CUTOFF_CYCLES_PER_PX),
    streakIndex: axisAnisotropy({ ...output, data: output.data.map((v, i) => v - upsampled.data[i]) }, STREAK_BAND, STREAK_HALF_ANGLE_DEG),
    beyondCutoffInput,
    streakIndexInput: axisAnisotropy(input, STREAK_BAND_INPUT, STREAK_HALF_ANGLE_DEG),
  };
  if (kind === 'intensity') return { ...common, meanRatio: binnedMeanRatio(outputOnDisk, raw) };
  const weak = weakFieldRatio(
    scaled(outputOnDisk, unitsPerValue),
    scaled(upsampled, unitsPerValue),
    WEAK_FIELD_GAUSS,
    WEAK_FIELD_SMOOTHING_PX,
  );
  return {
    ...common,
    residualNoiseFloor: (Math.sqrt(2 / Math.PI) * estimateNoiseSigma(input.data, input.width, input.height)) / meanAbsolute(input),
    fluxRatio: unsignedFlux(scaled(output, unitsPerValue), 0.252) / unsignedFlux(scaled(input, unitsPerValue), 0.504),
    weakFieldRatio: weak.ratio,
    weakFieldFraction: weak.fraction,
  };
}

/** Richardson–Lucy needs positive data: signed magnetograms are lifted by their strongest negative field plus 0.1 kG. */
async function richardsonLucyFor(kind: EnhanceKind, image: ImagePlane, threads: number): Promise<ImageMethod> {
  let minimum = 0;
  for (const v of image.data) minimum = Math.min(minimum, v);
  const offset = kind === 'blos' ? 0.1 - minimum : 0;
  return onnxImageMethod(
    `Richardson–Lucy ${RICHARDSON_LUCY_ITERATIONS} it.`,
    createRichardsonLucyModel({ iterations: RICHARDSON_LUCY_ITERATIONS, offset }),
    { threads },
  );
}

/**
 * Scores bicubic ×2, Richardson–Lucy and every network found in `modelsDir` on the held-out
 * validation images (against the 28 cm target), and applies them to real HMI data: granulation
 * contrast and umbral intensity for continuum, unsigned flux and the gain near 1 kG for magnetograms,
 * and the power spectra of the outputs.
 */
export async function evaluateEnhance(options: EvaluateEnhanceOptions): Promise<EnhanceEvaluation> {
  const { sharedDir, modelsDir, threads = 2, kinds = ENHANCE_KINDS, log = () => {} } = options;
  const models = await findModels(modelsDir, kinds);
  const bicubic = await onnxImageMethod('bicubic', createBicubicModel(), { threads });
  const bilinear = await onnxImageMethod('bilinear', createBilinearModel(), { threads });
  const redegrade = createRedegrade();
  const result: EnhanceEvaluation = {
    models,
    trainingSets: {},
    validation: [],
    continuum: [],
    magnetograms: [],
    spectra: [],
    pictures: [],
    liteVsFull: [],
    checks: [],
  };
  try {
    for (const kind of kinds) {
      const networks: ImageMethod[] = [];
      for (const entry of models.filter((m) => m.kind === kind)) {
        networks.push(await onnxImageMethod(`Enhance ${entry.variant}`, entry.file, { threads }));
      }
      try {
        log(`${kind}: loading the training set`);
        const set = await loadTrainingSet(kind, { sharedDir, cacheDir: options.cacheDir });
        result.trainingSets[kind] = set.info;
        for (const [index, pair] of set.validation.images.entries()) {
          const scores: MethodScore[] = [];
          const outputs: PictureSet['outputs'] = [];
          const rl = await richardsonLucyFor(kind, pair.input, threads);
          for (const method of [bicubic, rl, ...networks]) {
            const { value, seconds } = await timed(() => method.run(pair.input));
            scores.push({
              method: method.name,
              relativeRmsError: relativeRmsError(value, pair.target),
              psnrDb: psnr(value, pair.target),
              seconds,
            });
            outputs.push({ method: method.name, image: value });
            log(`${kind} validation ${pair.name}: ${method.name} rel. RMS ${scores[scores.length - 1].relativeRmsError.toFixed(4)}`);
          }
          await rl.release();
          let fieldRatios: ValidationResult['fieldRatios'];
          if (kind === 'blos') {
            const upsampled = await bicubic.run(pair.input);
            const ratios = (method: string, image: ImagePlane) => ({
              method,
              fluxRatio: unsignedFlux(image, 0.252) / unsignedFlux(pair.input, 0.504),
              weakFieldRatio: weakFieldRatio(scaled(image, 1000), scaled(upsampled, 1000), WEAK_FIELD_GAUSS, WEAK_FIELD_SMOOTHING_PX).ratio,
            });
            fieldRatios = [
              ratios('target 28 cm', pair.target),
              ...outputs.filter((o) => o.method !== 'bicubic').map((o) => ratios(o.method, o.image)),
            ];
          }
          const contrasts =
            kind === 'intensity'
              ? [
                  { method: 'input', contrast: rmsContrast(pair.input) },
                  { method: 'target 28 cm', contrast: rmsContrast(pair.target) },
                  ...outputs.map((o) => ({ method: o.method, contrast: rmsContrast(o.image) })),
                ]
              : undefined;
          let umbralChanges: ValidationResult['umbralChanges'];
          if (kind === 'intensity') {
            const interpolated = await bilinear.run(pair.input);
            const changes = [{ method: 'target 28 cm', image: pair.target }, ...outputs.filter((o) => o.method !== 'bicubic')].map((o) => ({
              method: o.method,
              change: umbralChange(interpolated, o.image),
            }));
            if (changes.every((c) => Number.isFinite(c.change))) umbralChanges = changes;
          }
          const residuals = [{ method: 'target 28 cm', image: pair.target }, ...outputs.filter((o) => o.method !== 'bicubic')].map((o) => ({
            method: o.method,
            residual: meanAbsoluteDifference(redegrade(o.image), pair.input) / meanAbsolute(pair.input),
          }));
          result.validation.push({
            kind,
            image: pair.name,
            inputSize: [pair.input.width, pair.input.height],
            scores,
            residuals,
            ...(fieldRatios ? { fieldRatios } : {}),
            ...(contrasts ? { contrasts } : {}),
            ...(umbralChanges ? { umbralChanges } : {}),
          });
          if (index === 0) result.pictures.push({ kind, name: pair.name, input: pair.input, target: pair.target, outputs });
        }
        const realImages: { name: string; image: ImagePlane; unitsPerValue: number }[] = [];
        if (kind === 'intensity') {
          const quietSun = readNpy(new Uint8Array(await readFile(join(sharedDir, 'data', 'calib', HMI_QUIET_SUN_FILE))), {
            file: HMI_QUIET_SUN_FILE,
          });
          let mean = 0;
          for (const v of quietSun.data) mean += v / quietSun.data.length;
          realImages.push({
            name: HMI_QUIET_SUN_FILE,
            image: { width: quietSun.shape[1], height: quietSun.shape[0], data: Float64Array.from(quietSun.data, (v) => v / mean) },
            unitsPerValue: 1,
          });
          for (const file of HMI_CONTINUUM_FILES)
            realImages.push({ name: file, image: await readFitsPlane(join(sharedDir, 'data', 'hmi', file), file), unitsPerValue: 1 });
        } else {
          for (const file of HMI_MAGNETOGRAM_FILES) {
            realImages.push({
              name: file,
              image: scaled(await readFitsPlane(join(sharedDir, 'data', 'hmi', file), file), 1 / 1000),
              unitsPerValue: 1000,
            });
          }
        }
        if (kind === 'intensity') {
          for (const file of HMI_EXTRA_CONTINUUM_FILES) {
            const raw = await readFitsPlane(join(sharedDir, 'data', 'hmi', file), file);
            const level = normalisationScale('intensity', raw.data, 'auto', file);
            const normalised = scaled(raw, 1 / level);
            const image = finite(normalised);
            const upsampled = await bicubic.run(image);
            const beyondCutoffInput = beyondCutoffPowerFraction(upsampled, TARGET_CUTOFF_CYCLES_PER_PX);
            const outputs: { method: string; image: ImagePlane }[] = [];
            for (const method of networks) {
              const output = await method.run(image);
              outputs.push({ method: method.name, image: output });
              result.checks.push(
                realImageCheck(kind, file, method.name, normalised, image, output, upsampled, 1, redegrade, beyondCutoffInput),
              );
              log(`${kind} HMI ${file}: ${method.name} done`);
            }
            const difference = liteVsFull(file, kind, outputs);
            if (difference) result.liteVsFull.push(difference);
          }
        }
        for (const { name, image: raw, unitsPerValue } of realImages) {
          const image = finite(raw);
          const rl = await richardsonLucyFor(kind, image, threads);
          const upsampled = await bicubic.run(image);
          const interpolated = await bilinear.run(image);
          const spectra: SpectrumSet['spectra'] = [
            { method: 'input (bicubic ×2)', spectrum: azimuthalPowerSpectrum(upsampled, { normalise: 'none' }) },
          ];
          const beyondCutoffInput = beyondCutoffPowerFraction(upsampled, TARGET_CUTOFF_CYCLES_PER_PX);
          const outputs: PictureSet['outputs'] = [];
          for (const method of [rl, ...networks]) {
            const output = await method.run(image);
            outputs.push({ method: method.name, image: output });
            spectra.push({ method: method.name, spectrum: azimuthalPowerSpectrum(output, { normalise: 'none' }) });
            if (kind === 'intensity') {
              result.continuum.push({
                image: name,
                method: method.name,
                contrastBefore: rmsContrast(image),
                contrastAfter: rmsContrast(output),
                umbralChange: umbralChange(interpolated, output),
                reconvolutionResidual: meanAbsoluteDifference(redegrade(output), image) / meanAbsolute(image),
              });
            } else {
              const gain = fieldGain(output, interpolated, FIELD_GAIN_BAND_KG[0], FIELD_GAIN_BAND_KG[1]);
              result.magnetograms.push({
                image: name,
                method: method.name,
                fluxBefore: unsignedFlux(scaled(image, unitsPerValue), 0.504),
                fluxAfter: unsignedFlux(scaled(output, unitsPerValue), 0.252),
                gainNear1kG: gain.gain,
                gainPixels: gain.pixels,
                reconvolutionResidualGauss: meanAbsoluteDifference(redegrade(output), image) * unitsPerValue,
              });
            }
            result.checks.push(
              realImageCheck(kind, name, method.name, raw, image, output, upsampled, unitsPerValue, redegrade, beyondCutoffInput),
            );
            log(`${kind} HMI ${name}: ${method.name} done`);
          }
          await rl.release();
          const difference = liteVsFull(name, kind, outputs);
          if (difference) result.liteVsFull.push(difference);
          result.spectra.push({ image: name, kind, spectra });
          if (name === (kind === 'intensity' ? HMI_CONTINUUM_FILES[0] : HMI_MAGNETOGRAM_FILES[0])) {
            result.pictures.push({ kind, name, input: image, outputs });
          }
        }
      } finally {
        for (const network of networks) await network.release();
      }
    }
  } finally {
    await bicubic.release();
    await bilinear.release();
  }
  return result;
}
