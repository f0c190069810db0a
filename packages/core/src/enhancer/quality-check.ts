import type { RuntimePlatform } from '../devices/index.js';
import { EnhanceError } from '../errors/index.js';
import type { EnhanceBackend } from './enhance-backend.js';
import { EnhancerError, invalidOption } from './enhancer-errors.js';
import type { LimbNormalisationOption, LimbNormalisationOutcome } from './limb-normalisation.js';
import { readOnnxModelSummary } from './onnx-model-summary.js';
import { parseQaReference, QA_REFERENCE_FILE, REDEGRADE_MODEL_FILE, Redegrader, summariseResidual } from './redegrade-check.js';
import type { QaModelReference, QaSummary } from './redegrade-check.js';
import type { TtaOption } from './test-time-augmentation.js';

/** What a run may add to the enhancement: the quality check, test-time augmentation, the limb profile. */
export interface QualityOptions {
  /**
   * Degrade the output again as the training inputs were (HMI PSF, 2×2 mean) and compare it with the
   * input: a residual map on the input grid and its summary (default false).
   */
  qa?: boolean;
  /** Run each tile under 1 (default), 4 (flips) or 8 (flips and quarter turns) symmetries; the mean is the output, the spread their standard deviation. */
  tta?: TtaOption;
  /** Continuum on the solar disk: divide by the image's own centre-to-limb profile (default 'off'; see LimbNormalisationOption). */
  limbNormalisation?: LimbNormalisationOption;
}

/**
 * Defaults chosen from the model card's measurements (npm run evaluate, "Quality check, test-time
 * augmentation, limb normalisation"): test-time augmentation lowers the error against the 28 cm target
 * by 3–6% for 3.6–8.9× the time; the limb profile lowers it by 7–12% at μ 0.3–0.6 but raises
 * the ringing across the limb and the error below μ 0.15. Both are opt-in.
 */
export const DEFAULT_TTA: TtaOption = 1;
export const DEFAULT_LIMB_NORMALISATION: LimbNormalisationOption = 'off';

export interface QaResult<Image> {
  /** Re-degraded output − input, on the input grid, in input units; NaN where the input is missing. */
  readonly residual: Image;
  readonly summary: QaSummary;
}

export interface QualityResult<Image> {
  /** Present when the run asked for `qa`. */
  readonly qa?: QaResult<Image>;
  /** With tta 4 or 8: the per-pixel standard deviation over the transforms, output grid, input units (NaN where the output is). */
  readonly spread?: Image;
  readonly tta: TtaOption;
  readonly limbNormalisation: LimbNormalisationOutcome;
}

export function checkQaOption(qa: unknown): boolean {
  if (qa !== undefined && typeof qa !== 'boolean') throw invalidOption('qa', qa, 'true | false');
  return qa === true;
}

/**
 * The quality check of one enhancer: its re-degradation session (on the platform's CPU provider: the
 * model's DFT has no GPU kernel in onnxruntime-web, and it costs little beside the network) and the
 * evaluation's reference for the enhancer's model, both loaded on first use.
 */
export class QualityCheck {
  private constructor(
    private readonly redegrader: Redegrader,
    readonly reference: QaModelReference | null,
  ) {}

  static async create(backend: EnhanceBackend, modelDigest: string, threads: number): Promise<QualityCheck> {
    if (!backend.loadSupportFile) {
      throw new EnhancerError({
        code: 'MODEL_NOT_INSTALLED',
        file: REDEGRADE_MODEL_FILE,
        message: "this runtime cannot load the quality check's model (no loadSupportFile in its backend)",
      });
    }
    const model = await backend.loadSupportFile(REDEGRADE_MODEL_FILE);
    const halo = Number(readOnnxModelSummary(model.bytes, model.source).metadata.halo);
    if (!Number.isInteger(halo) || halo < 1) {
      throw new EnhancerError({
        code: 'MODEL_IO',
        file: model.source,
        message: `the re-degradation model's metadata has no integer 'halo' (got ${String(halo)})`,
      });
    }
    let reference: QaModelReference | null = null;
    try {
      const file = await backend.loadSupportFile(QA_REFERENCE_FILE);
      reference = parseQaReference(file.bytes, file.source).models.find((m) => m.sha256 === modelDigest) ?? null;
    } catch (error) {
      // No reference shipped is no error: the summary then has none to compare with.
      if (!(EnhanceError.isInstance(error) && (error as EnhancerError).code === 'MODEL_NOT_INSTALLED')) throw error;
    }
    const redegrader = await Redegrader.create(
      model,
      backend,
      {
        executionProviders: [cpuProvider(backend.platform)],
        graphOptimizationLevel: 'all',
        ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
      },
      halo,
    );
    return new QualityCheck(redegrader, reference);
  }

  /** The residual of one enhanced image (`output`: 2W×2H input units, NaN off the disk) against its input (W×H). */
  async check(input: ArrayLike<number>, width: number, height: number, output: Float32Array, scale: number, signal?: AbortSignal) {
    const redegraded = await this.redegrader.redegrade(output, 2 * width, 2 * height, scale, signal);
    return summariseResidual(input, redegraded, width, height, this.reference);
  }

  release(): Promise<void> {
    return this.redegrader.release();
  }
}

function cpuProvider(platform: RuntimePlatform): 'cpu' | 'wasm' {
  return platform === 'node' ? 'cpu' : 'wasm';
}

/** The one warning line of a residual beyond what the evaluation saw on real data. */
export function qaWarning(summary: QaSummary): string | undefined {
  const reference = summary.reference;
  if (!reference || !summary.exceedsReference) return undefined;
  const worst = reference.images.reduce((a, b) => (b.relativeResidual > a.relativeResidual ? b : a), reference.images[0]);
  return (
    `quality check: the output degraded again differs from the input by ${(100 * summary.relativeResidual).toFixed(2)}% (mean |residual| / mean |input|), ` +
    `more than the ${(100 * reference.maxRelativeResidual).toFixed(2)}% the model card measured on real HMI data (largest: ${worst?.image ?? '?'}); ` +
    'the enhancement explains this image less well: check the residual map'
  );
}

/** The output header's HISTORY lines about the normalisation, the augmentation and the check. */
export function qualityHistory({
  device,
  scale,
  limbOutcome,
  tta,
  qa,
}: {
  device: string;
  scale: number;
  limbOutcome: LimbNormalisationOutcome;
  tta: number;
  qa?: QaSummary;
}): string[] {
  const lines: string[] = [];
  if (limbOutcome.applied) {
    const { profile, disk, levelRange } = limbOutcome.limb;
    lines.push(
      `device ${device}, input divided by its centre-to-limb profile I(mu) then multiplied back`,
      `I(mu): degree-${profile.coefficients.length - 1} polynomial fitted on the image, mu ${profile.muMin.toFixed(3)}-${profile.muMax.toFixed(3)}, ` +
        `levels ${levelRange[0].toPrecision(6)}-${levelRange[1].toPrecision(6)}; disk centre (${(disk.centreX + 1).toFixed(2)}, ${(disk.centreY + 1).toFixed(2)}) px, radius ${disk.radius.toFixed(2)} px`,
    );
  } else {
    lines.push(`device ${device}, input divided by ${scale.toPrecision(7)} then multiplied back`);
  }
  if (tta > 1) lines.push(`test-time augmentation: mean over ${tta} flips/rotations; their standard deviation in HDU SPREAD`);
  if (qa) lines.push(`quality check: re-degraded residual ${(100 * qa.relativeResidual).toFixed(3)}% of mean |input|, map in HDU RESIDUAL`);
  return lines;
}
