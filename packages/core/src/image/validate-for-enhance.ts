import { FitsError } from '../fits/fits-error.js';
import type { SolarImage } from './solar-image.js';

/** Smallest side Enhance accepts: its 3×3 convolutions reflect-pad one pixel, which needs two. */
export const MIN_ENHANCE_SIDE = 2;

/**
 * Checks that an image can go through Enhance: at least 2×2 pixels and at least one finite pixel.
 * Returns the number of NaN pixels (off-disk or blank), which callers fill before inference.
 */
export function validateForEnhance(image: Pick<SolarImage, 'data' | 'width' | 'height'>, file?: string): { nanCount: number } {
  const { data, width, height } = image;
  if (width < MIN_ENHANCE_SIDE || height < MIN_ENHANCE_SIDE) {
    throw new FitsError({
      code: 'FITS_TOO_SMALL',
      file,
      message: `image is ${width}×${height} pixels: Enhance needs at least ${MIN_ENHANCE_SIDE}×${MIN_ENHANCE_SIDE}`,
      details: { width, height },
    });
  }
  let nanCount = 0;
  for (let i = 0; i < data.length; i += 1) if (Number.isNaN(data[i])) nanCount += 1;
  if (nanCount === data.length) {
    throw new FitsError({
      code: 'FITS_ALL_NAN',
      file,
      message: `all ${data.length} pixels of the ${width}×${height} image are NaN (off-disk or blank): nothing to enhance`,
      details: { width, height, nanCount },
    });
  }
  return { nanCount };
}
