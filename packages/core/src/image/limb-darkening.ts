import type { SolarDisk } from './solar-disk.js';

/** A centre-to-limb profile I(μ) fitted on an image: a polynomial in μ, valid over [muMin, muMax]. */
export interface LimbDarkeningProfile {
  /** Polynomial coefficients in t = (μ − muMid)/muHalfSpan, constant term first (kept in t for conditioning). */
  readonly coefficients: readonly number[];
  readonly muMin: number;
  readonly muMax: number;
  /** On-disk pixels sampled, and the share of them left out as active (darker or brighter than ±10%). */
  readonly samples: number;
  readonly excludedFraction: number;
}

export interface FitLimbDarkeningOptions {
  /** Highest polynomial degree (default 4), lowered when the image spans a short range of μ. */
  maxDegree?: number;
  /** Pixels nearer the limb than this μ are left out of the fit (default 0.05: the PSF mixes in the sky there). */
  minMu?: number;
}

/** μ = cos θ = √(1 − (r/R)²) at 0-based pixel (x, y); NaN off the disk. */
export function muAt(disk: SolarDisk, x: number, y: number): number {
  const r2 = ((x - disk.centreX) ** 2 + (y - disk.centreY) ** 2) / (disk.radius * disk.radius);
  return r2 < 1 ? Math.sqrt(1 - r2) : Number.NaN;
}

/** The profile at μ, clamped to the fitted range (outside it the polynomial is not trusted). */
export function evaluateLimbDarkening(profile: LimbDarkeningProfile, mu: number): number {
  const clamped = Math.min(profile.muMax, Math.max(profile.muMin, Number.isFinite(mu) ? mu : profile.muMin));
  const mid = (profile.muMax + profile.muMin) / 2;
  const half = (profile.muMax - profile.muMin) / 2 || 1;
  const t = (clamped - mid) / half;
  let value = 0;
  for (let k = profile.coefficients.length - 1; k >= 0; k--) value = value * t + profile.coefficients[k];
  return value;
}

/** At most this many pixels enter the fit: a regular stride over the disk is as good and bounded in time. */
const MAX_SAMPLES = 1 << 20;
const BINS = 100;
/** Quiet Sun lies within ±10% of the profile (granulation is ≈3–4% RMS at HMI's resolution). */
const QUIET_BAND: readonly [number, number] = [0.9, 1.1];
const ITERATIONS = 6;

/**
 * Fits the quiet Sun's centre-to-limb profile on the image itself: the finite positive on-disk pixels
 * (a regular stride over at most 2^20), in 100 bins of μ; each bin's median of the pixels within ±10% of
 * the current fit (the first pass takes every pixel: the median already ignores spots covering less than
 * half a bin); a weighted least-squares polynomial through the medians (weights: pixels per bin, so the
 * inner disk, where most of the area is, counts most); six passes. Sunspots, pores and faculae fall
 * outside the band and leave the fit. The degree is 4, or less when the image covers a short range of
 * μ (3 below a span of 0.5, 2 below 0.3, 1 below 0.15). Undefined when fewer than 3 bins hold pixels.
 */
export function fitLimbDarkening(
  data: ArrayLike<number>,
  width: number,
  height: number,
  disk: SolarDisk,
  options: FitLimbDarkeningOptions = {},
): LimbDarkeningProfile | undefined {
  const { maxDegree = 4, minMu = 0.05 } = options;
  const stride = Math.max(1, Math.ceil((width * height) / MAX_SAMPLES));
  const mus: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < width * height; i += stride) {
    const value = data[i];
    if (!(value > 0) || !Number.isFinite(value)) continue;
    const mu = muAt(disk, i % width, Math.floor(i / width));
    if (!(mu >= minMu)) continue;
    mus.push(mu);
    values.push(value);
  }
  const binOf = (mu: number) => Math.min(BINS - 1, Math.floor(mu * BINS));
  const members: number[][] = Array.from({ length: BINS }, () => []);
  for (let i = 0; i < mus.length; i++) members[binOf(mus[i])].push(i);
  const occupied = members.map((m, bin) => (m.length > 0 ? bin : -1)).filter((bin) => bin >= 0);
  if (occupied.length < 3) return undefined;
  let muMin = Infinity;
  let muMax = -Infinity;
  for (const mu of mus) {
    muMin = Math.min(muMin, mu);
    muMax = Math.max(muMax, mu);
  }
  const span = muMax - muMin;
  const degree = Math.min(maxDegree, occupied.length - 1, span >= 0.5 ? 4 : span >= 0.3 ? 3 : span >= 0.15 ? 2 : 1);

  let profile: LimbDarkeningProfile | undefined;
  let excluded = 0;
  for (let pass = 0; pass < ITERATIONS; pass++) {
    const binMu: number[] = [];
    const binLevel: number[] = [];
    const binWeight: number[] = [];
    excluded = 0;
    for (const bin of occupied) {
      const kept: number[] = [];
      let muSum = 0;
      for (const i of members[bin]) {
        if (profile) {
          const ratio = values[i] / evaluateLimbDarkening(profile, mus[i]);
          if (!(ratio >= QUIET_BAND[0] && ratio <= QUIET_BAND[1])) {
            excluded++;
            continue;
          }
        }
        kept.push(values[i]);
        muSum += mus[i];
      }
      if (kept.length === 0) continue;
      binMu.push(muSum / kept.length);
      binLevel.push(median(kept));
      binWeight.push(kept.length);
    }
    if (binMu.length <= degree) break;
    const coefficients = weightedPolynomialFit(binMu, binLevel, binWeight, degree, muMin, muMax);
    if (!coefficients) break;
    profile = { coefficients, muMin, muMax, samples: mus.length, excludedFraction: 0 };
  }
  return profile && { ...profile, excludedFraction: excluded / mus.length };
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
}

/** Least squares Σ w (y − p(t))² in t = (μ − mid)/half, by the normal equations (degree ≤ 4 keeps them well conditioned in t ∈ [−1, 1]). */
function weightedPolynomialFit(mu: number[], y: number[], w: number[], degree: number, muMin: number, muMax: number): number[] | undefined {
  const mid = (muMax + muMin) / 2;
  const half = (muMax - muMin) / 2 || 1;
  const n = degree + 1;
  const a = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (let i = 0; i < mu.length; i++) {
    const t = (mu[i] - mid) / half;
    const powers = new Float64Array(n);
    powers[0] = 1;
    for (let k = 1; k < n; k++) powers[k] = powers[k - 1] * t;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) a[r][c] += w[i] * powers[r] * powers[c];
      a[r][n] += w[i] * powers[r] * y[i];
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 1e-300)) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= factor * a[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r][n];
    for (let c = r + 1; c < n; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x.every(Number.isFinite) ? x : undefined;
}
