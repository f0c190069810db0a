import { writeDisplayRgb } from '@enhance/core';
import type { DisplayRange, PlainImage } from '@enhance/core';

/**
 * Gray RGBA pixels for a canvas, FITS orientation (first row at the bottom, as solar images are shown);
 * NaN pixels get core's preview NaN colour.
 */
export function displayPixels(image: PlainImage, range: DisplayRange): Uint8ClampedArray {
  const { data, width, height } = image;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sourceRow = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) {
      const value = data[sourceRow + x];
      const at = (y * width + x) * 4;
      writeDisplayRgb(rgba, at, value, range);
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
