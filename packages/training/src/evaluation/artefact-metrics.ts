import { fft2d } from '../physics/fft.js';
import type { ImagePlane } from '../physics/image-plane.js';
import { EvaluationError } from './evaluation-error.js';

/*
 * Measures of what a network may add that no telescope would: power beyond the target telescope's
 * diffraction cutoff (the 2-px checkerboard lives in the corner of the spectrum, far beyond it),
 * axis-aligned streaks, and changes of the mean (light or flux added rather than moved).
 */

/** The 28 cm telescope's cutoff D/λ at 6173 Å, in cycles per pixel of the 0.252"/px output grid. */
export function diffractionCutoffCyclesPerPixel(apertureM: number, wavelengthM: number, pixelScaleArcsec: number): number {
  return (apertureM / wavelengthM) * (pixelScaleArcsec / 206264.806);
}

interface PowerGrid {
  readonly power: Float64Array;
  readonly width: number;
  readonly height: number;
}

/** |FFT|² of the mean-subtracted, Hann-windowed image (non-finite pixels count as the mean). */
function powerGrid(image: ImagePlane): PowerGrid {
  const { width, height, data } = image;
  let sum = 0;
  let count = 0;
  for (const v of data)
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  if (count === 0) throw new EvaluationError({ message: 'the image has no finite pixel', code: 'EVALUATION_SHAPE' });
  const mean = sum / count;
  const re = new Float64Array(width * height);
  const im = new Float64Array(width * height);
  const hann = (i: number, n: number) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      re[y * width + x] = (Number.isFinite(v) ? v - mean : 0) * hann(x, width) * hann(y, height);
    }
  }
  fft2d(re, im, width, height);
  const power = new Float64Array(width * height);
  for (let i = 0; i < power.length; i++) power[i] = re[i] * re[i] + im[i] * im[i];
  return { power, width, height };
}

/** Signed frequency (cycles/px) of FFT index i of n. */
function frequency(i: number, n: number): number {
  return (i <= n / 2 ? i : i - n) / n;
}

/**
 * The fraction of the image's (non-DC) power at radial frequencies above `cutoff` cycles/px. For an
 * output meant to look like a telescope with that cutoff, the true value is zero up to noise; a 2-px
 * checkerboard puts its power at the corner (0.5, 0.5), √2/2 cycles/px.
 */
export function beyondCutoffPowerFraction(image: ImagePlane, cutoff: number): number {
  const { power, width, height } = powerGrid(image);
  let total = 0;
  let beyond = 0;
  for (let y = 0; y < height; y++) {
    const fy = frequency(y, height);
    for (let x = 0; x < width; x++) {
      if (x === 0 && y === 0) continue;
      const p = power[y * width + x];
      total += p;
      if (Math.hypot(frequency(x, width), fy) > cutoff) beyond += p;
    }
  }
  return total > 0 ? beyond / total : 0;
}

/**
 * Axis-aligned anisotropy of the power in a radial band: power within `halfAngleDeg` of the vertical
 * frequency axis (structures elongated horizontally: horizontal streaks) over power within it of the
 * horizontal axis, folded so that the result is ≥ 1 whichever way the streaks run.
 */
export function axisAnisotropy(image: ImagePlane, band: readonly [number, number] = [0.1, 0.45], halfAngleDeg = 10): number {
  const { power, width, height } = powerGrid(image);
  const tan = Math.tan((halfAngleDeg * Math.PI) / 180);
  let alongY = 0;
  let alongX = 0;
  for (let y = 0; y < height; y++) {
    const fy = frequency(y, height);
    for (let x = 0; x < width; x++) {
      const fx = frequency(x, width);
      const f = Math.hypot(fx, fy);
      if (f < band[0] || f > band[1]) continue;
      const p = power[y * width + x];
      if (Math.abs(fx) <= tan * Math.abs(fy)) alongY += p;
      else if (Math.abs(fy) <= tan * Math.abs(fx)) alongX += p;
    }
  }
  if (!(alongX > 0) || !(alongY > 0)) return Number.NaN;
  return Math.max(alongY / alongX, alongX / alongY);
}

/**
 * Mean of the output binned 2×2 back onto the input grid over the mean of the input, both over the input
 * pixels that are finite (off-disk NaN excluded). For a deconvolution this is 1: light is moved, not added.
 */
export function binnedMeanRatio(output: ImagePlane, input: ImagePlane): number {
  if (output.width !== 2 * input.width || output.height !== 2 * input.height) {
    throw new EvaluationError({
      message: `the output ${output.width}×${output.height} is not twice the input ${input.width}×${input.height}`,
      code: 'EVALUATION_SHAPE',
    });
  }
  let sumOut = 0;
  let sumIn = 0;
  for (let y = 0; y < input.height; y++) {
    for (let x = 0; x < input.width; x++) {
      const v = input.data[y * input.width + x];
      if (!Number.isFinite(v)) continue;
      const o = (dx: number, dy: number) => output.data[(2 * y + dy) * output.width + 2 * x + dx];
      const binned = (o(0, 0) + o(1, 0) + o(0, 1) + o(1, 1)) / 4;
      if (!Number.isFinite(binned)) continue;
      sumOut += binned;
      sumIn += v;
    }
  }
  return sumOut / sumIn;
}

/** Separable Gaussian smoothing with edge clamping. */
export function gaussianSmooth(image: ImagePlane, sigma: number): ImagePlane {
  const radius = Math.ceil(3 * sigma);
  const kernel: number[] = [];
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
    total += kernel[kernel.length - 1];
  }
  const k = kernel.map((v) => v / total);
  const { width, height, data } = image;
  const rows = new Float64Array(width * height);
  const out = new Float64Array(width * height);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let i = -radius; i <= radius; i++) v += k[i + radius] * data[y * width + clamp(x + i, width)];
      rows[y * width + x] = v;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let i = -radius; i <= radius; i++) v += k[i + radius] * rows[clamp(y + i, height) * width + x];
      out[y * width + x] = v;
    }
  }
  return { width, height, data: out };
}

/**
 * Weak-field areas: output pixels where |B| of the ×2-interpolated input, smoothed with a Gaussian of
 * `sigmaPx` output pixels, is below `threshold` (same units as the images). Returns mean |B_out| over
 * mean |B_in| there (the paper: stray light removed, weak fields get smaller) and the area's share.
 */
export function weakFieldRatio(
  output: ImagePlane,
  upsampledInput: ImagePlane,
  threshold: number,
  sigmaPx = 4,
): { ratio: number; fraction: number } {
  if (output.width !== upsampledInput.width || output.height !== upsampledInput.height) {
    throw new EvaluationError({ message: 'output and interpolated input differ in size', code: 'EVALUATION_SHAPE' });
  }
  const magnitude = { ...upsampledInput, data: upsampledInput.data.map((v) => Math.abs(v)) };
  const smooth = gaussianSmooth(magnitude, sigmaPx);
  let sumOut = 0;
  let sumIn = 0;
  let pixels = 0;
  for (let i = 0; i < smooth.data.length; i++) {
    if (smooth.data[i] < threshold && Number.isFinite(output.data[i])) {
      sumOut += Math.abs(output.data[i]);
      sumIn += magnitude.data[i];
      pixels++;
    }
  }
  return { ratio: pixels > 0 ? sumOut / sumIn : Number.NaN, fraction: pixels / smooth.data.length };
}
