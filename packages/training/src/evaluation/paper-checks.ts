import { HMI_QUIET_SUN_FILE } from '../physics/psf-spectrum-comparison.js';
import { HMI_CONTINUUM_FILES, type EnhanceEvaluation } from './evaluate-enhance.js';

/** One of the paper's claims, measured for one network on one image. */
export interface PaperCheck {
  /** Short name of the claim, e.g. 'unsigned flux kept'. */
  readonly claim: string;
  /** The requirement, as a sentence with its numbers. */
  readonly requirement: string;
  readonly method: string;
  readonly kind: string;
  readonly image: string;
  /** The measured value, formatted. */
  readonly measured: string;
  readonly pass: boolean;
}

/*
 * The paper's claims as pass/fail requirements. The bounds are the ones the project committed to (issue
 * "Networks a solar physicist can trust", §4), set from the paper's text, never from our own results.
 */
export const PAPER_REQUIREMENTS = Object.freeze({
  fluxRatio: [0.97, 1.03] as const,
  weakFieldRatioMax: 1.0,
  meanRatioTolerance: 0.003,
  quietSunContrast: [0.065, 0.075] as const,
  umbralChange: [-0.07, -0.03] as const,
  redegradedResidualMax: 0.04,
  liteVsFullMax: 0.03,
  /** Relative RMS error against the 28 cm target at least this far below Richardson–Lucy's. */
  belowRichardsonLucy: 0.4,
  /**
   * A 28 cm telescope puts no power beyond its cutoff: the output may hold at most this share of its
   * power there (the 2-px checkerboard lives at the spectrum's corner, beyond the cutoff).
   */
  beyondCutoffMax: 1e-3,
  /**
   * Streaks: the detail a method adds should not crowd onto one image axis. Isotropic detail gives 1;
   * at most this ratio of power along one axis to the other.
   */
  streakIndexMax: 3,
});

const pct = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(digits)}%`);
const num = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const within = (v: number | undefined, [low, high]: readonly [number, number]) =>
  v !== undefined && Number.isFinite(v) && v >= low && v <= high;

/** Every check for every Enhance network in the evaluation. Methods that are not networks are left out. */
export function paperChecks(evaluation: EnhanceEvaluation): PaperCheck[] {
  const r = PAPER_REQUIREMENTS;
  const checks: PaperCheck[] = [];
  const isNetwork = (method: string) => method.startsWith('Enhance');
  for (const c of evaluation.checks.filter((x) => isNetwork(x.method))) {
    const base = { method: c.method, kind: c.kind, image: c.image };
    if (c.kind === 'blos') {
      checks.push({
        ...base,
        claim: 'unsigned flux kept',
        requirement: `Σ|B| out/in within ${r.fluxRatio[0]}–${r.fluxRatio[1]}`,
        measured: num(c.fluxRatio),
        pass: within(c.fluxRatio, r.fluxRatio),
      });
      checks.push({
        ...base,
        claim: 'weak fields reduced',
        requirement: `mean |B| out/in ≤ ${r.weakFieldRatioMax.toFixed(2)} where the smoothed input is below 40 G`,
        measured: `${num(c.weakFieldRatio)} (${pct(c.weakFieldFraction, 0)} of the image)`,
        pass: c.weakFieldRatio !== undefined && c.weakFieldRatio <= r.weakFieldRatioMax,
      });
    } else {
      checks.push({
        ...base,
        claim: 'mean intensity kept',
        requirement: `2×2-binned mean out/in within ±${pct(r.meanRatioTolerance, 1)}`,
        measured: c.meanRatio === undefined ? '–' : `${c.meanRatio >= 1 ? '+' : ''}${pct(c.meanRatio - 1)}`,
        pass: c.meanRatio !== undefined && Math.abs(c.meanRatio - 1) <= r.meanRatioTolerance,
      });
    }
    checks.push({
      ...base,
      claim: 'explains the data',
      requirement: `re-degraded residual ≤ ${pct(r.redegradedResidualMax, 0)}`,
      measured:
        c.residualNoiseFloor === undefined
          ? pct(c.redegradedResidual)
          : `${pct(c.redegradedResidual)} (input noise alone ${pct(c.residualNoiseFloor, 1)})`,
      pass: c.redegradedResidual <= r.redegradedResidualMax,
    });
    checks.push({
      ...base,
      claim: 'no checkerboard',
      requirement: `power beyond the 28 cm cutoff ≤ ${pct(r.beyondCutoffMax, 1)} of the output's`,
      measured: `${pct(c.beyondCutoff, 3)} (input ${pct(c.beyondCutoffInput, 3)})`,
      pass: c.beyondCutoff <= r.beyondCutoffMax,
    });
    checks.push({
      ...base,
      claim: 'no streaks',
      requirement: `added fine detail along one axis ≤ ${r.streakIndexMax}× the other`,
      measured: Number.isFinite(c.streakIndexInput)
        ? `${num(c.streakIndex, 2)}× (input's own ${num(c.streakIndexInput, 2)}×)`
        : `${num(c.streakIndex, 2)}×`,
      pass: Number.isFinite(c.streakIndex) && c.streakIndex <= r.streakIndexMax,
    });
  }
  for (const c of evaluation.continuum.filter((x) => isNetwork(x.method))) {
    const base = { method: c.method, kind: 'intensity', image: c.image };
    if (c.image === HMI_QUIET_SUN_FILE) {
      checks.push({
        ...base,
        claim: 'quiet-Sun contrast ≈ 7%',
        requirement: `σ/⟨I⟩ within ${pct(r.quietSunContrast[0], 1)}–${pct(r.quietSunContrast[1], 1)}`,
        measured: pct(c.contrastAfter),
        pass: within(c.contrastAfter, r.quietSunContrast),
      });
    }
    if (c.image === HMI_CONTINUUM_FILES[0]) {
      checks.push({
        ...base,
        claim: 'umbrae darkened 3–7%',
        requirement: `umbral change within ${pct(r.umbralChange[0], 0)} to ${pct(r.umbralChange[1], 0)}`,
        measured: pct(c.umbralChange, 1),
        pass: within(c.umbralChange, r.umbralChange),
      });
    }
  }
  for (const d of evaluation.liteVsFull) {
    checks.push({
      method: 'Enhance lite',
      kind: d.kind,
      image: d.image,
      claim: 'lite close to full',
      requirement: `relative RMS difference ≤ ${pct(r.liteVsFullMax, 0)}`,
      measured: pct(d.relativeDifference),
      pass: d.relativeDifference <= r.liteVsFullMax,
    });
  }
  for (const v of evaluation.validation) {
    const rl = v.scores.find((s) => s.method.startsWith('Richardson'));
    if (!rl) continue;
    for (const s of v.scores.filter((x) => isNetwork(x.method))) {
      const gain = 1 - s.relativeRmsError / rl.relativeRmsError;
      checks.push({
        method: s.method,
        kind: v.kind,
        image: v.image,
        claim: 'beats Richardson–Lucy',
        requirement: `relative RMS error vs the 28 cm target ≥ ${pct(r.belowRichardsonLucy, 0)} below RL's`,
        measured: `${pct(gain, 0)} below (${num(s.relativeRmsError, 4)} vs ${num(rl.relativeRmsError, 4)})`,
        pass: gain >= r.belowRichardsonLucy,
      });
    }
  }
  return checks;
}
