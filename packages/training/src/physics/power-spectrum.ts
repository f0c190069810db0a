import { fft2d } from './fft.js';
import type { ImagePlane } from './image-plane.js';

export interface PowerSpectrumOptions {
  /** Divide by the image mean first, so spectra of images in different units compare (default 'mean'). */
  normalise?: 'mean' | 'none';
  /** Hann apodisation against the edge discontinuity of non-periodic images (default 'hann'). */
  window?: 'hann' | 'none';
}

/** An azimuthally averaged power spectrum; frequencies in cycles per pixel (px⁻¹). */
export interface PowerSpectrum {
  readonly frequency: Float64Array;
  readonly power: Float64Array;
}

/**
 * The azimuthal average of |FFT|² / (width·height) of the mean-subtracted image, in rings of width
 * 1/min(width, height) px⁻¹ centred on multiples of that width, out to the corner frequency √2/2.
 */
export function azimuthalPowerSpectrum(image: ImagePlane, options: PowerSpectrumOptions = {}): PowerSpectrum {
  const { normalise = 'mean', window = 'hann' } = options;
  const { width, height } = image;
  const size = width * height;
  let mean = 0;
  for (let i = 0; i < size; i++) mean += image.data[i];
  mean /= size;
  const scale = normalise === 'mean' ? 1 / mean : 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const hann = (i: number, n: number) => (window === 'hann' ? 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n) : 1);
  for (let y = 0; y < height; y++) {
    const wy = hann(y, height);
    for (let x = 0; x < width; x++) re[y * width + x] = (image.data[y * width + x] - mean) * scale * wy * hann(x, width);
  }
  fft2d(re, im, width, height);
  const step = 1 / Math.min(width, height);
  const bins = Math.floor(Math.SQRT1_2 / step) + 1;
  const sums = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let y = 0; y < height; y++) {
    const fy = (y <= height / 2 ? y : y - height) / height;
    for (let x = 0; x < width; x++) {
      const fx = (x <= width / 2 ? x : x - width) / width;
      const bin = Math.round(Math.hypot(fx, fy) / step);
      if (bin >= bins) continue;
      const i = y * width + x;
      sums[bin] += (re[i] * re[i] + im[i] * im[i]) / size;
      counts[bin] += 1;
    }
  }
  const frequency: number[] = [];
  const power: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (counts[b] === 0) continue;
    frequency.push(b * step);
    power.push(sums[b] / counts[b]);
  }
  return { frequency: Float64Array.from(frequency), power: Float64Array.from(power) };
}

/**
 * The RMS of log10(a/b) over the frequencies of `a` inside [low, high] px⁻¹, with `b` interpolated
 * linearly to those frequencies: one number for how well two spectra agree.
 */
export function logPowerRmsDifference(a: PowerSpectrum, b: PowerSpectrum, low: number, high: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.frequency.length; i++) {
    const f = a.frequency[i];
    if (f < low || f > high) continue;
    const j = b.frequency.findIndex((g) => g >= f);
    if (j < 0) continue;
    const pb =
      j === 0 || b.frequency[j] === f
        ? b.power[j]
        : b.power[j - 1] + ((b.power[j] - b.power[j - 1]) * (f - b.frequency[j - 1])) / (b.frequency[j] - b.frequency[j - 1]);
    const d = Math.log10(a.power[i] / pb);
    sum += d * d;
    count += 1;
  }
  return Math.sqrt(sum / count);
}
