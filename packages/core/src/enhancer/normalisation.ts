import type { EnhanceKind } from '../kinds.js';
import { EnhancerError, invalidOption } from './enhancer-errors.js';

/** The divisor that brings an image to the network's units: 'auto' estimates it from the image. */
export type ScaleOption = 'auto' | number;

/** Magnetograms: the networks work in kG, images come in G. */
export const BLOS_SCALE_GAUSS = 1000;

/** At most this many pixels enter the quiet-Sun estimate: a strided sample is as good and bounded in time. */
const MAX_SAMPLES = 1 << 20;
const HISTOGRAM_BINS = 256;

/**
 * Robust quiet-Sun continuum level of an intensity image, in the image's units.
 *
 * 1. Take the finite, positive pixels (a regular stride over at most 2^20 of them).
 * 2. Drop everything below 30 % of the 99th percentile: off-disk sky, zero-filled borders, umbrae.
 * 3. Histogram the rest up to the 99.9th percentile; the mode of the (5-bin smoothed) histogram is the
 *    quiet Sun: in a quiet or active patch it dominates the area. On a full disk limb darkening spreads
 *    the intensities downwards with a density that rises towards the disk-centre level and stops there,
 *    so the mode lands a little below disk centre (about 7 % for 3 % granulation contrast): the level
 *    of the inner disk, where most of the area is.
 * 4. Refine: the median of the pixels within ±10 % of that mode (of all the pixels kept in 2, when
 *    outliers left none near it).
 * Returns NaN when no pixel qualifies.
 */
export function quietSunLevel(data: ArrayLike<number>): number {
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  const samples: number[] = [];
  for (let i = 0; i < data.length; i += stride) {
    const value = data[i];
    if (Number.isFinite(value) && value > 0) samples.push(value);
  }
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const p99 = percentileOfSorted(sorted, 0.99);
  const top = percentileOfSorted(sorted, 0.999);
  const low = 0.3 * p99;
  if (!(top > low)) return median(sorted);

  const counts = new Float64Array(HISTOGRAM_BINS);
  const width = (top - low) / HISTOGRAM_BINS;
  for (const value of sorted) {
    if (value < low || value > top) continue;
    counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((value - low) / width))] += 1;
  }
  let peakBin = 0;
  let peakCount = -1;
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
    let smoothed = 0;
    for (let k = Math.max(0, bin - 2); k <= Math.min(HISTOGRAM_BINS - 1, bin + 2); k++) smoothed += counts[k];
    if (smoothed > peakCount) {
      peakCount = smoothed;
      peakBin = bin;
    }
  }
  const mode = low + (peakBin + 0.5) * width;
  const near = sorted.filter((value) => value >= 0.9 * mode && value <= 1.1 * mode);
  if (near.length > 0) return median(near);
  // No pixel near the mode: a few extreme pixels (a hot pixel in a small image is the 99.9th percentile)
  // stretched the histogram until its first bin swallowed everything. The median of the bright pixels
  // is then the honest level; the bin's centre would be a number no pixel has.
  return median(sorted.filter((value) => value >= low));
}

/** The largest finite float32: the network computes in float32, so the normalised image must fit. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The divisor applied before the network and multiplied back after it: the quiet-Sun level for
 * intensity, 1000 G for magnetograms, or the caller's number. Refuses a divisor that cannot work for
 * this image: one that makes a pixel overflow float32 when divided by it, or that overflows the output
 * when multiplied back.
 */
export function normalisationScale(kind: EnhanceKind, data: ArrayLike<number>, scale: ScaleOption = 'auto', file?: string): number {
  if (scale !== 'auto') {
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
      throw invalidOption('scale', scale, "'auto' or a finite number > 0");
    }
    if (scale > FLOAT32_MAX)
      throw scaleInvalid(scale, `the output, multiplied back by it, would overflow float32 (largest ${FLOAT32_MAX.toPrecision(5)})`, file);
  }
  const resolved = scale !== 'auto' ? scale : kind === 'blos' ? BLOS_SCALE_GAUSS : estimatedQuietSunLevel(data, file);
  const largest = largestMagnitude(data);
  if (largest / resolved > FLOAT32_MAX) {
    const overflow = `this image's largest |pixel| ${largest.toPrecision(5)} divided by ${resolved.toPrecision(5)} is ${(largest / resolved).toPrecision(5)}, beyond float32 (${FLOAT32_MAX.toPrecision(5)}): the network's input would be infinite`;
    if (scale !== 'auto') throw scaleInvalid(scale, overflow, file);
    throw new EnhancerError({
      code: 'SCALE_UNDETERMINED',
      file,
      message: `the quiet-Sun level is too small: ${overflow}; give the scale explicitly`,
      details: { level: resolved, largest },
    });
  }
  return resolved;
}

function estimatedQuietSunLevel(data: ArrayLike<number>, file: string | undefined): number {
  const level = quietSunLevel(data);
  if (level > 0 && Number.isFinite(level)) return level;
  let finite = 0;
  let zero = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) continue;
    finite++;
    if (data[i] === 0) zero++;
  }
  const message =
    finite > 0 && zero === finite
      ? `every finite pixel (${finite} of ${data.length}) is 0: the image is blank, nothing to enhance (no quiet-Sun level to divide by)`
      : 'cannot estimate the quiet-Sun level: the image has no finite positive pixel; give the scale explicitly';
  throw new EnhancerError({ code: 'SCALE_UNDETERMINED', file, message, details: { level, finite, zero } });
}

/** `reason` is kept in the details so a CLI can say it in terms of its own option. */
function scaleInvalid(scale: number, reason: string, file: string | undefined): EnhancerError {
  return new EnhancerError({
    code: 'OPTION_INVALID',
    file,
    message: `option scale = ${scale} is invalid: ${reason}`,
    details: { option: 'scale', value: scale, reason },
  });
}

/** The largest |value| among the finite pixels (0 when there is none). */
function largestMagnitude(data: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < data.length; i++) {
    const magnitude = Math.abs(data[i]);
    if (magnitude > largest && magnitude !== Number.POSITIVE_INFINITY) largest = magnitude;
  }
  return largest;
}

function percentileOfSorted(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))))];
}

function median(sorted: ArrayLike<number>): number {
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
}
