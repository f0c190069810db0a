import type { PlainImage } from './enhancer.js';
import { EnhancerError } from './enhancer-errors.js';

/** Smallest side Enhance accepts: its 3×3 convolutions reflect-pad one pixel, which needs two. */
export const MIN_ENHANCE_SIDE = 2;

/**
 * Checks that an image can go through Enhance: `data` a Float32Array of width × height values, at least
 * 2×2 pixels, at least one finite pixel. The enhancer checks every image with it; the CLI calls it too, so
 * that a file is refused before a model is loaded. Returns the number of pixels that are NaN or infinite
 * (off-disk or blank): the network sees them as MISSING_PIXEL_FILL and the output is NaN there.
 */
export function validateForEnhance(image: PlainImage, file?: string): { nanCount: number } {
  const { width, height, data } = image ?? ({} as PlainImage);
  if (!(data instanceof Float32Array) || !Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new EnhancerError({
      code: 'IMAGE_INVALID',
      file,
      message: `expected an image { data: Float32Array, width, height }, got width ${width}, height ${height}, data ${Object.prototype.toString.call(data)}`,
      details: { width, height },
    });
  }
  if (data.length !== width * height) {
    throw new EnhancerError({
      code: 'IMAGE_INVALID',
      file,
      message: `image data has ${data.length} values for ${width}×${height} = ${width * height} pixels`,
      details: { width, height, length: data.length },
    });
  }
  if (width < MIN_ENHANCE_SIDE || height < MIN_ENHANCE_SIDE) {
    throw new EnhancerError({
      code: 'IMAGE_TOO_SMALL',
      file,
      message: `a ${width}×${height} image is too small: the network's reflect padding needs at least ${MIN_ENHANCE_SIDE}×${MIN_ENHANCE_SIDE} pixels`,
      details: { width, height },
    });
  }
  let nanCount = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) nanCount++;
  if (nanCount === data.length) {
    throw new EnhancerError({
      code: 'IMAGE_ALL_NAN',
      file,
      message: `every pixel of the ${width}×${height} image is NaN or infinite (off-disk or blank): nothing to enhance`,
      details: { width, height, nanCount },
    });
  }
  return { nanCount };
}
