import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  evaluateLimbDarkening,
  fitLimbDarkening,
  limbLevelAt,
  normalisationScale,
  readFits,
  Redegrader,
  rmsContrast,
  sha256Hex,
  summariseResidual,
  type EnhanceKind,
  type Enhancer,
  type EnhanceResult,
  type LimbNormalisation,
  type PlainImage,
  type QaReferenceFile,
  type SolarImage,
  type TtaOption,
} from '@enhance/core';
import { createEnhancer } from '@enhance/runtime-node';
import type { ImagePlane } from '../physics/image-plane.js';
import { loadTrainingSet } from '../data/load-training-set.js';
import { readNpy } from '../data/read-npy.js';
import { redegradeModelForRecipe } from '../data/redegrade-model.js';
import { HMI_QUIET_SUN_FILE } from '../physics/psf-spectrum-comparison.js';
import { axisAnisotropy, beyondCutoffPowerFraction } from './artefact-metrics.js';
import {
  findModels,
  HMI_CONTINUUM_FILES,
  HMI_EXTRA_CONTINUUM_FILES,
  HMI_MAGNETOGRAM_FILES,
  STREAK_BAND,
  STREAK_HALF_ANGLE_DEG,
  TARGET_CUTOFF_CYCLES_PER_PX,
  type ModelEntry,
} from './evaluate-enhance.js';
import { EvaluationError } from './evaluation-error.js';
import { fitLimbCircle, type LimbCircle } from './fit-limb-circle.js';
import { relativeRmsError } from './image-metrics.js';
import { createBicubicModel, onnxImageMethod, type ImageMethod } from './onnx-image-method.js';
import { diskHeader, syntheticFullDisk, syntheticLimbDarkening, type SyntheticFullDisk } from './synthetic-full-disk.js';

/*
 * The measurements behind the runtimes' quality options (issue 13): the quality check's residual on real
 * HMI data (the reference the runtimes warn against), test-time augmentation with and without, and the
 * limb normalisation against the plain one. Every number comes from the runtime's own enhancer
 * (@enhance/runtime-node), so it is what a user of `enhance run` gets.
 */

export const TTA_COUNTS: readonly TtaOption[] = Object.freeze([1, 4, 8]);
/** μ bins of the limb tables. */
export const MU_BINS: readonly (readonly [number, number])[] = Object.freeze([
  [0.05, 0.15],
  [0.15, 0.3],
  [0.3, 0.45],
  [0.45, 0.6],
  [0.68, 0.82],
  [0.95, 1.0001],
]);
/** Input pixels left out at the edges of an enhanced window (the network's and the PSF's reach into the mirrored edge). */
const WINDOW_MARGIN_PX = 32;
/** Input pixels each side of the limb over which ringing is measured. */
const LIMB_BAND_PX = 6;

export interface QaRealResult {
  readonly kind: EnhanceKind;
  readonly variant: string;
  readonly model: string;
  readonly sha256: string;
  readonly image: string;
  readonly relativeResidual: number;
  readonly residualP99: number;
  readonly noiseSigma: number;
  readonly fractionAbove3Sigma: number;
  /** Seconds of the network alone (tta 1, after a warm-up run), and of the re-degradation with its summary. */
  readonly networkSeconds: number;
  readonly qaSeconds: number;
}

export interface TtaResult {
  readonly kind: EnhanceKind;
  readonly variant: string;
  readonly set: 'validation' | 'real';
  readonly image: string;
  readonly tta: TtaOption;
  /** Seconds of the enhancement alone (no quality check), after a warm-up run. */
  readonly seconds: number;
  /** Validation only: against the 28 cm target. */
  readonly relativeRmsError?: number;
  readonly beyondCutoff: number;
  readonly streakIndex: number;
  /** Real images only: the quality check's relative residual. */
  readonly relativeResidual?: number;
  /** Mean spread over mean |output| (tta 4 and 8). */
  readonly relativeSpread?: number;
}

export interface LimbBin {
  readonly mu: readonly [number, number];
  /** Output-grid pixels in the bin. */
  readonly pixels: number;
  /** Synthetic only: RMS(output − target) / mean(target) in the bin. */
  readonly relativeRmsError?: number;
  /** RMS contrast of the output, the target and the input, each over the limb-darkening profile. */
  readonly contrast: number;
  readonly targetContrast?: number;
  readonly inputContrast: number;
  /** Mean |re-degraded − input| / mean |input| over the bin's input pixels. */
  readonly residual: number;
}

export interface LimbResult {
  readonly variant: string;
  readonly image: string;
  readonly mode: string;
  /** Plain: the quiet-Sun level over the disk-centre level; limb: the profile at the window's largest μ over it. */
  readonly levelOverCentre: number;
  readonly bins: readonly LimbBin[];
  /** Within ±6 px of the limb: RMS(output − reference) over the disk-centre level; reference = target (synthetic) or bicubic input (real). */
  readonly limbRinging?: number;
  /** Mean(output − reference) over the disk-centre level just outside the limb (1–6 px): light put into the sky. */
  readonly skyExcess?: number;
}

export interface QualityEvaluation {
  readonly qaReal: readonly QaRealResult[];
  readonly tta: readonly TtaResult[];
  readonly limb: readonly LimbResult[];
  readonly syntheticDisk?: {
    readonly radiusPx: number;
    readonly law: string;
    readonly plainLevelOverCentre: number;
    readonly windows: readonly string[];
  };
  readonly nearLimbGeometry?: LimbCircle;
}

export interface EvaluateQualityOptions {
  sharedDir: string;
  modelsDir: string;
  cacheDir?: string | false;
  threads?: number;
  kinds?: readonly EnhanceKind[];
  /** TTA counts to measure (default 1, 4, 8). */
  ttaCounts?: readonly TtaOption[];
  log?: (line: string) => void;
}

interface RealImage {
  readonly name: string;
  readonly image: PlainImage | SolarImage;
}

async function realImages(sharedDir: string, kind: EnhanceKind): Promise<RealImage[]> {
  const images: RealImage[] = [];
  const files = kind === 'intensity' ? [...HMI_CONTINUUM_FILES, ...HMI_EXTRA_CONTINUUM_FILES] : [...HMI_MAGNETOGRAM_FILES];
  for (const file of files) {
    const path = join(sharedDir, 'data', 'hmi', file);
    try {
      images.push({ name: file, image: readFits(new Uint8Array(await readFile(path)), { file }) });
    } catch (cause) {
      throw new EvaluationError({ message: 'cannot read the HMI image', code: 'EVALUATION_INPUT', file: path, cause });
    }
  }
  if (kind === 'intensity') {
    const quietSun = readNpy(new Uint8Array(await readFile(join(sharedDir, 'data', 'calib', HMI_QUIET_SUN_FILE))), {
      file: HMI_QUIET_SUN_FILE,
    });
    images.push({
      name: HMI_QUIET_SUN_FILE,
      image: { width: quietSun.shape[1], height: quietSun.shape[0], data: Float32Array.from(quietSun.data) },
    });
  }
  return images;
}

const plane = (image: { data: ArrayLike<number>; width: number; height: number }, factor = 1): ImagePlane => ({
  width: image.width,
  height: image.height,
  data: Float64Array.from(image.data, (v) => (Number.isFinite(v) ? v * factor : 0)),
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** Power beyond the 28 cm cutoff and the streak index of what the output adds to the bicubic input (both in network units, NaN as 0). */
function artefacts(output: ImagePlane, upsampled: ImagePlane): { beyondCutoff: number; streakIndex: number } {
  return {
    beyondCutoff: beyondCutoffPowerFraction(output, TARGET_CUTOFF_CYCLES_PER_PX),
    streakIndex: axisAnisotropy({ ...output, data: output.data.map((v, i) => v - upsampled.data[i]) }, STREAK_BAND, STREAK_HALF_ANGLE_DEG),
  };
}

function meanRatio(spread: Float32Array, output: Float32Array): number {
  let s = 0;
  let o = 0;
  for (let i = 0; i < spread.length; i++) {
    if (!Number.isFinite(spread[i]) || !Number.isFinite(output[i])) continue;
    s += spread[i];
    o += Math.abs(output[i]);
  }
  return s / o;
}

/** qa-reference.json: per model, the largest relative residual over the real HMI images (what the runtimes warn beyond). */
export function qaReferenceFile(results: readonly QaRealResult[], command: string): QaReferenceFile {
  const models = [...new Set(results.map((r) => r.sha256))].map((sha256) => {
    const own = results.filter((r) => r.sha256 === sha256);
    return {
      file: own[0].model,
      sha256,
      kind: own[0].kind,
      variant: own[0].variant,
      maxRelativeResidual: Math.max(...own.map((r) => r.relativeResidual)),
      images: own.map((r) => ({ image: r.image, relativeResidual: r.relativeResidual, fractionAbove3Sigma: r.fractionAbove3Sigma })),
    };
  });
  return {
    generatedBy: command,
    definition:
      'mean |HMI(output) − input| / mean |input| over the finite input pixels; the output degraded again with hmi-redegrade.onnx (the training PSF, 99% of its energy, then the 2×2 mean); runtime defaults (tta 1, limb normalisation auto)',
    models,
  };
}

/** The quality check, test-time augmentation and limb normalisation, measured for every model in `modelsDir`. */
export async function evaluateQuality(options: EvaluateQualityOptions): Promise<QualityEvaluation> {
  const { sharedDir, modelsDir, threads = 2, kinds = ['intensity', 'blos'], ttaCounts = TTA_COUNTS, log = () => {} } = options;
  const models = await findModels(modelsDir, kinds);
  const bicubic = await onnxImageMethod('bicubic', createBicubicModel(), { threads });
  const redegrader = await Redegrader.create(
    { bytes: redegradeModelForRecipe(), source: 'redegrade' },
    ort,
    { executionProviders: ['cpu'], intraOpNumThreads: threads },
    142,
  );
  const qaReal: QaRealResult[] = [];
  const tta: TtaResult[] = [];
  const limb: LimbResult[] = [];
  let syntheticDisk: QualityEvaluation['syntheticDisk'];
  let nearLimbGeometry: LimbCircle | undefined;
  const previousModelsDir = process.env.ENHANCE_MODELS_DIR;
  // The runtime finds hmi-redegrade.onnx (and no reference: it is being measured) beside the models evaluated.
  process.env.ENHANCE_MODELS_DIR = modelsDir;
  try {
    for (const kind of kinds) {
      const entries = models.filter((m) => m.kind === kind);
      if (entries.length === 0) continue;
      const set = await loadTrainingSet(kind, { sharedDir, cacheDir: options.cacheDir });
      const images = await realImages(sharedDir, kind);
      for (const entry of entries) {
        const bytes = new Uint8Array(await readFile(entry.file));
        const sha256 = sha256Hex(bytes);
        const enhancer = await createEnhancer({ kind, model: bytes, device: 'cpu', threads });
        try {
          // Sessions, arenas and the quality check's model are set up before anything is timed.
          await enhancer.enhance(images[0].image as SolarImage, { qa: true });
          await validationTta(enhancer, entry, set.validation.images, bicubic, ttaCounts, tta, log);
          await realImageRuns(enhancer, entry, sha256, images, bicubic, redegrader, ttaCounts, qaReal, tta, log);
          if (kind === 'intensity') {
            const disk = await syntheticFullDisk(sharedDir, options.cacheDir ?? join(process.cwd(), 'runs', 'cache'));
            syntheticDisk ??= {
              radiusPx: disk.radius,
              law: 'I(μ)/I(1) = 1 − 0.5 (1 − μ) − 0.15 (1 − μ)²',
              plainLevelOverCentre: normalisationScale('intensity', disk.frame),
              windows: disk.windows.map((w) => w.name),
            };
            limb.push(...(await syntheticDiskLimb(enhancer, entry, disk, redegrader, log)));
            const nearLimb = images.find((i) => i.name === 'hmi_ic_near_limb_400x500.fits');
            if (nearLimb) {
              const result = await nearLimbRuns(enhancer, entry, nearLimb.image, bicubic, redegrader, log);
              nearLimbGeometry = result.circle;
              limb.push(...result.results);
            }
          }
        } finally {
          await enhancer.dispose();
        }
      }
    }
  } finally {
    if (previousModelsDir === undefined) delete process.env.ENHANCE_MODELS_DIR;
    else process.env.ENHANCE_MODELS_DIR = previousModelsDir;
    await bicubic.release();
    await redegrader.release();
  }
  return { qaReal, tta, limb, ...(syntheticDisk ? { syntheticDisk } : {}), ...(nearLimbGeometry ? { nearLimbGeometry } : {}) };
}

async function validationTta(
  enhancer: Enhancer,
  entry: ModelEntry,
  pairs: readonly { name: string; input: ImagePlane; target: ImagePlane }[],
  bicubic: ImageMethod,
  ttaCounts: readonly TtaOption[],
  out: TtaResult[],
  log: (line: string) => void,
): Promise<void> {
  for (const pair of pairs) {
    // Warm-up for this image size (onnxruntime's arena grows on first use), untimed.
    await enhancer.enhance(
      { data: Float32Array.from(pair.input.data), width: pair.input.width, height: pair.input.height },
      { scale: 1, limbNormalisation: 'off' },
    );
    const upsampled = await bicubic.run(pair.input);
    for (const count of ttaCounts) {
      const input = { data: Float32Array.from(pair.input.data), width: pair.input.width, height: pair.input.height };
      const { value: result, seconds } = await timed(() => enhancer.enhance(input, { scale: 1, tta: count, limbNormalisation: 'off' }));
      const output = plane(result.image);
      out.push({
        kind: entry.kind,
        variant: entry.variant,
        set: 'validation',
        image: pair.name,
        tta: count,
        seconds,
        relativeRmsError: relativeRmsError(output, pair.target),
        ...artefacts(output, upsampled),
        ...(result.spread ? { relativeSpread: meanRatio(result.spread.data, result.image.data) } : {}),
      });
      log(
        `${entry.kind} ${entry.variant} validation ${pair.name}: tta ${count} rel. RMS ${out[out.length - 1].relativeRmsError!.toFixed(4)}`,
      );
    }
  }
}

async function realImageRuns(
  enhancer: Enhancer,
  entry: ModelEntry,
  sha256: string,
  images: readonly RealImage[],
  bicubic: ImageMethod,
  redegrader: Redegrader,
  ttaCounts: readonly TtaOption[],
  qaReal: QaRealResult[],
  out: TtaResult[],
  log: (line: string) => void,
): Promise<void> {
  for (const { name, image } of images) {
    // The reference residual through the runtime's own check, with its defaults.
    const checked = await enhancer.enhance(image as SolarImage, { qa: true });
    const check = await timed(async () =>
      summariseResidual(
        image.data,
        await redegrader.redegrade(checked.image.data, 2 * image.width, 2 * image.height, checked.scale),
        image.width,
        image.height,
        null,
      ),
    );
    for (const count of ttaCounts) {
      // Timed without the check, whose cost is measured once above; the residual computed as the check does.
      const { value: result, seconds } = await timed(() => enhancer.enhance(image as SolarImage, { tta: count }));
      const summary =
        count === 1
          ? checked.qa!.summary
          : summariseResidual(
              image.data,
              await redegrader.redegrade(result.image.data, 2 * image.width, 2 * image.height, result.scale),
              image.width,
              image.height,
              null,
            ).summary;
      if (count === 1) {
        qaReal.push({
          kind: entry.kind,
          variant: entry.variant,
          model: basename(entry.file),
          sha256,
          image: name,
          relativeResidual: summary.relativeResidual,
          residualP99: summary.residualP99,
          noiseSigma: summary.noiseSigma,
          fractionAbove3Sigma: summary.fractionAbove3Sigma,
          networkSeconds: seconds,
          qaSeconds: check.seconds,
        });
      }
      const upsampled = await bicubic.run(plane(image, 1 / result.scale));
      out.push({
        kind: entry.kind,
        variant: entry.variant,
        set: 'real',
        image: name,
        tta: count,
        seconds,
        ...artefacts(plane(result.image, 1 / result.scale), upsampled),
        relativeResidual: summary.relativeResidual,
        ...(result.spread ? { relativeSpread: meanRatio(result.spread.data, result.image.data) } : {}),
      });
      log(
        `${entry.kind} ${entry.variant} HMI ${name}: tta ${count} residual ${(100 * summary.relativeResidual).toFixed(2)}%, ${seconds.toFixed(1)} s`,
      );
    }
  }
}

/** Bin statistics over output pixels (HR) and input pixels (LR) by μ; `muOf(x, y)` takes input-grid positions. */
function binStatistics(
  muOf: (x: number, y: number) => number,
  levelAtMu: (mu: number) => number,
  input: ImagePlane,
  output: Float32Array,
  residual: Float32Array,
  target: ImagePlane | undefined,
  margin: number,
): LimbBin[] {
  const { width, height } = input;
  const bins = MU_BINS.map((mu) => ({
    mu,
    pixels: 0,
    err: 0,
    tsum: 0,
    out: [] as number[],
    tgt: [] as number[],
    inp: [] as number[],
    res: 0,
    ins: 0,
  }));
  const binOf = (mu: number) => bins.find((b) => mu >= b.mu[0] && mu < b.mu[1]);
  for (let y = 2 * margin; y < 2 * (height - margin); y++) {
    for (let x = 2 * margin; x < 2 * (width - margin); x++) {
      const mu = muOf((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
      const bin = Number.isFinite(mu) ? binOf(mu) : undefined;
      const value = output[y * 2 * width + x];
      if (!bin || !Number.isFinite(value)) continue;
      const level = levelAtMu(mu);
      bin.pixels++;
      bin.out.push(value / level);
      if (target) {
        const t = target.data[y * 2 * width + x];
        bin.err += (value - t) ** 2;
        bin.tsum += t;
        bin.tgt.push(t / level);
      }
    }
  }
  for (let y = margin; y < height - margin; y++) {
    for (let x = margin; x < width - margin; x++) {
      const mu = muOf(x, y);
      const bin = Number.isFinite(mu) ? binOf(mu) : undefined;
      const value = input.data[y * width + x];
      if (!bin || !Number.isFinite(value)) continue;
      bin.inp.push(value / levelAtMu(mu));
      bin.res += Math.abs(residual[y * width + x]);
      bin.ins += Math.abs(value);
    }
  }
  const contrast = (values: number[]) => rmsContrast({ data: values, width: values.length, height: 1 });
  return bins
    .filter((b) => b.pixels > 0)
    .map((b) => ({
      mu: b.mu,
      pixels: b.pixels,
      ...(target ? { relativeRmsError: Math.sqrt(b.err / b.pixels) / (b.tsum / b.pixels), targetContrast: contrast(b.tgt) } : {}),
      contrast: contrast(b.out),
      inputContrast: contrast(b.inp),
      residual: b.res / b.ins,
    }));
}

/** Ringing across the limb: output against a reference on the output grid, within ±LIMB_BAND_PX input pixels of the limb. */
function limbRinging(
  output: Float32Array,
  reference: ArrayLike<number>,
  width: number,
  height: number,
  radiusAt: (x: number, y: number) => number,
  radius: number,
  centreLevel: number,
  margin: number,
) {
  let square = 0;
  let count = 0;
  let sky = 0;
  let skyCount = 0;
  for (let y = 2 * margin; y < 2 * (height - margin); y++) {
    for (let x = 0; x < 2 * width; x++) {
      const d = radiusAt((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5) - radius;
      if (Math.abs(d) > LIMB_BAND_PX) continue;
      const o = Number.isFinite(output[y * 2 * width + x]) ? output[y * 2 * width + x] : 0;
      const difference = (o - reference[y * 2 * width + x]) / centreLevel;
      square += difference * difference;
      count++;
      if (d > 1) {
        sky += difference;
        skyCount++;
      }
    }
  }
  return count === 0 ? undefined : { limbRinging: Math.sqrt(square / count), skyExcess: skyCount > 0 ? sky / skyCount : Number.NaN };
}

/** Enhances a window with a per-pixel divisor `level(x, y)` (input positions): divided before, multiplied after at each output pixel's centre. */
async function enhanceWithLevel(enhancer: Enhancer, input: ImagePlane, level: (x: number, y: number) => number): Promise<Float32Array> {
  const { width, height } = input;
  const divided = Float32Array.from(input.data, (v, i) => v / level(i % width, Math.floor(i / width)));
  const result = await enhancer.enhance({ data: divided, width, height }, { scale: 1, limbNormalisation: 'off' });
  const out = result.image.data;
  for (let y = 0; y < 2 * height; y++)
    for (let x = 0; x < 2 * width; x++) out[y * 2 * width + x] *= level((x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
  return out;
}

async function residualOf(redegrader: Redegrader, input: ImagePlane, output: Float32Array): Promise<Float32Array> {
  const redegraded = await redegrader.redegrade(output, 2 * input.width, 2 * input.height, 1);
  return Float32Array.from(redegraded, (v, i) => v - input.data[i]);
}

/**
 * The synthetic full disk, each window enhanced as the whole frame would be: divided by the frame's
 * plain quiet-Sun level, or by the profile fitted on the whole frame. The limb strip also as a cut-out
 * with its own header, through the runtime's own limb normalisation ('on') and plain ('off').
 */
async function syntheticDiskLimb(
  enhancer: Enhancer,
  entry: ModelEntry,
  disk: SyntheticFullDisk,
  redegrader: Redegrader,
  log: (line: string) => void,
): Promise<LimbResult[]> {
  const results: LimbResult[] = [];
  const plainLevel = normalisationScale('intensity', disk.frame);
  const frameDisk = { centreX: disk.centreX, centreY: disk.centreY, radius: disk.radius, from: 'synthetic' };
  const profile = fitLimbDarkening(disk.frame, disk.width, disk.height, frameDisk);
  if (!profile) throw new EvaluationError({ message: "cannot fit the synthetic disk's profile", code: 'EVALUATION_INPUT' });
  const frameLimb: LimbNormalisation = {
    disk: frameDisk,
    profile,
    centreLevel: evaluateLimbDarkening(profile, profile.muMax),
    levelRange: [0, 0],
  };
  for (const window of disk.windows) {
    const muOf = (x: number, y: number) => {
      const r2 = ((window.x0 + x - disk.centreX) ** 2 + (window.y0 + y - disk.centreY) ** 2) / disk.radius ** 2;
      return r2 < 1 ? Math.sqrt(1 - r2) : Number.NaN;
    };
    const radiusAt = (x: number, y: number) => Math.hypot(window.x0 + x - disk.centreX, window.y0 + y - disk.centreY);
    const modes: { mode: string; levelOverCentre: number; run: () => Promise<Float32Array> }[] = [
      {
        mode: 'plain (full-frame level)',
        levelOverCentre: plainLevel,
        run: () => enhanceWithLevel(enhancer, window.input, () => plainLevel),
      },
      {
        mode: 'limb (full-frame profile)',
        levelOverCentre: frameLimb.centreLevel,
        run: () => enhanceWithLevel(enhancer, window.input, (x, y) => limbLevelAt(frameLimb, window.x0 + x, window.y0 + y)),
      },
    ];
    if (window.name.startsWith('limb strip')) {
      const header = diskHeader(disk.centreX - window.x0, disk.centreY - window.y0, disk.radius);
      const image = { data: Float32Array.from(window.input.data), width: window.input.width, height: window.input.height, header };
      for (const option of ['off', 'on'] as const) {
        let level = Number.NaN;
        modes.push({
          mode: option === 'off' ? 'plain (cut-out level)' : 'limb (cut-out profile)',
          get levelOverCentre() {
            return level;
          },
          run: async () => {
            const result: EnhanceResult<SolarImage> = await enhancer.enhance(image, { limbNormalisation: option });
            level = result.scale;
            return result.image.data;
          },
        });
      }
    }
    for (const mode of modes) {
      const output = await mode.run();
      const residual = await residualOf(redegrader, window.input, output);
      const bins = binStatistics(muOf, syntheticLimbDarkening, window.input, output, residual, window.target, WINDOW_MARGIN_PX);
      const ringing = window.name.startsWith('limb strip')
        ? limbRinging(output, window.target.data, window.input.width, window.input.height, radiusAt, disk.radius, 1, WINDOW_MARGIN_PX)
        : undefined;
      results.push({
        variant: entry.variant,
        image: `synthetic full disk: ${window.name}`,
        mode: mode.mode,
        levelOverCentre: mode.levelOverCentre,
        bins,
        ...(ringing ?? {}),
      });
      log(
        `intensity ${entry.variant} synthetic disk ${window.name}, ${mode.mode}: ${bins.map((b) => `μ ${b.mu[0]}–${b.mu[1]} err ${b.relativeRmsError?.toFixed(4)}`).join(', ')}`,
      );
    }
  }
  return results;
}

/**
 * The real near-limb frame (no world coordinates: its limb is fitted on the data, fitLimbCircle, and
 * written into a helioprojective header), enhanced plain and with the runtime's limb normalisation.
 */
async function nearLimbRuns(
  enhancer: Enhancer,
  entry: ModelEntry,
  image: PlainImage | SolarImage,
  bicubic: ImageMethod,
  redegrader: Redegrader,
  log: (line: string) => void,
) {
  const circle = fitLimbCircle(image.data, image.width, image.height);
  if (!circle) throw new EvaluationError({ message: 'cannot find the limb of the near-limb frame', code: 'EVALUATION_INPUT' });
  const header = diskHeader(circle.centreX, circle.centreY, circle.radius);
  const withDisk = { data: image.data, width: image.width, height: image.height, header };
  const input = plane(image);
  const inputWithNaN: ImagePlane = { ...input, data: Float64Array.from(image.data) };
  const muOf = (x: number, y: number) => {
    const r2 = ((x - circle.centreX) ** 2 + (y - circle.centreY) ** 2) / circle.radius ** 2;
    return r2 < 1 ? Math.sqrt(1 - r2) : Number.NaN;
  };
  const results: LimbResult[] = [];
  const limbRun = await enhancer.enhance(withDisk, { limbNormalisation: 'on' });
  if (!limbRun.limbNormalisation.applied)
    throw new EvaluationError({ message: 'the limb normalisation did not apply to the near-limb frame', code: 'EVALUATION_INPUT' });
  const fitted = limbRun.limbNormalisation.limb;
  const centreLevel = fitted.centreLevel;
  const levelAtMu = (mu: number) => evaluateLimbDarkening(fitted.profile, mu);
  const plainRun = await enhancer.enhance(withDisk, { limbNormalisation: 'off' });
  const upsampled = await bicubic.run(input);
  for (const [mode, run] of [
    ['plain (cut-out level)', plainRun],
    ['limb (cut-out profile)', limbRun],
  ] as const) {
    const residual = await residualOf(redegrader, inputWithNaN, run.image.data);
    const bins = binStatistics(muOf, levelAtMu, inputWithNaN, run.image.data, residual, undefined, 0);
    const ringing = limbRinging(
      run.image.data,
      upsampled.data,
      image.width,
      image.height,
      (x, y) => Math.hypot(x - circle.centreX, y - circle.centreY),
      circle.radius,
      centreLevel,
      0,
    );
    results.push({
      variant: entry.variant,
      image: 'hmi_ic_near_limb_400x500.fits',
      mode,
      levelOverCentre: run.scale / centreLevel,
      bins,
      ...(ringing ?? {}),
    });
    log(
      `intensity ${entry.variant} near-limb ${mode}: ${bins.map((b) => `μ ${b.mu[0]}–${b.mu[1]} contrast ${(100 * b.contrast).toFixed(2)}% residual ${(100 * b.residual).toFixed(2)}%`).join(', ')}`,
    );
  }
  return { circle, results };
}
