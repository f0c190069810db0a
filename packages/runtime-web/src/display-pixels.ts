import { PREVIEW_BLOS_RANGE_GAUSS, PREVIEW_INTENSITY_PERCENTILES, PREVIEW_NAN_RGB } from '@enhance/core';
import type { EnhanceKind, PlainImage } from '@enhance/core';

export interface DisplayRange {
  low: number;
  high: number;
}

/**
 * The gray scale shared by an input and its enhanced output: ±`blosRangeGauss` (default 1 kG) for
 * magnetograms, the preview percentiles of the finite pixels of every image for intensity.
 */
export function displayRange(kind: EnhanceKind, images: readonly PlainImage[], blosRangeGauss = PREVIEW_BLOS_RANGE_GAUSS): DisplayRange {
  if (kind === 'blos') return { low: -blosRangeGauss, high: blosRangeGauss };
  const samples: number[] = [];
  for (const image of images) {
    const stride = Math.max(1, Math.floor(image.data.length / 500_000));
    for (let i = 0; i < image.data.length; i += stride) if (Number.isFinite(image.data[i])) samples.push(image.data[i]);
  }
  if (samples.length === 0) return { low: 0, high: 1 };
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number) => sorted[Math.round(fraction * (sorted.length - 1))];
  return { low: at(PREVIEW_INTENSITY_PERCENTILES[0]), high: at(PREVIEW_INTENSITY_PERCENTILES[1]) };
}

/**
 * Gray RGBA pixels for a canvas, FITS orientation (first row at the bottom, as solar images are shown);
 * NaN pixels get core's preview NaN colour.
 */
export function displayPixels(image: PlainImage, { low, high }: DisplayRange): Uint8ClampedArray {
  const { data, width, height } = image;
  const span = high > low ? high - low : 1;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sourceRow = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) {
      const value = data[sourceRow + x];
      const at = (y * width + x) * 4;
      if (Number.isNaN(value)) {
        rgba[at] = PREVIEW_NAN_RGB[0];
        rgba[at + 1] = PREVIEW_NAN_RGB[1];
        rgba[at + 2] = PREVIEW_NAN_RGB[2];
      } else {
        const gray = Math.round(255 * Math.min(1, Math.max(0, (value - low) / span)));
        rgba[at] = rgba[at + 1] = rgba[at + 2] = gray;
      }
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

/** The same pixels without alpha, for core's PNG encoder. */
export function rgbFromRgba(rgba: Uint8ClampedArray): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}
