import type { PlainImage, SolarImage } from '@enhance/core';

/** RMS contrast σ/⟨I⟩ of the finite pixels (granulation contrast on quiet Sun); NaN when undefined. */
export function intensityContrast(image: PlainImage): number {
  let count = 0;
  let sum = 0;
  for (const value of image.data) {
    if (!Number.isFinite(value)) continue;
    count++;
    sum += value;
  }
  if (count === 0) return Number.NaN;
  const mean = sum / count;
  let squares = 0;
  for (const value of image.data) if (Number.isFinite(value)) squares += (value - mean) ** 2;
  return Math.sqrt(squares / count) / mean;
}

export interface UnsignedFlux {
  /** Σ|B|·(pixel area), in gauss times the area of one pixel of `referenceWidth` (e.g. the input's HMI pixel). */
  gaussReferencePixels: number;
  /** The same in maxwell, when the header gives the pixel size in arcsec and the observer distance. */
  maxwell: number | undefined;
}

const ARCSEC_PER_RADIAN = (180 / Math.PI) * 3600;
/** HMI's mean Sun distance, used when DSUN_OBS is missing but the plate scale is in arcsec. */
const ASTRONOMICAL_UNIT_M = 149_597_870_700;

/**
 * Total unsigned flux of a magnetogram over its finite pixels. The pixel area is expressed in pixels of
 * an image `referenceWidth` wide covering the same field, so an input and its 2× output are comparable:
 * each output pixel counts a quarter of an input pixel.
 */
export function totalUnsignedFlux(image: PlainImage | SolarImage, referenceWidth: number = image.width): UnsignedFlux {
  let sum = 0;
  for (const value of image.data) if (Number.isFinite(value)) sum += Math.abs(value);
  const pixelArea = (referenceWidth / image.width) ** 2;
  const header = (image as Partial<SolarImage>).header;
  let maxwell: number | undefined;
  if (header) {
    const cdelt1 = header.getNumber('CDELT1');
    const cdelt2 = header.getNumber('CDELT2');
    const units = [header.getString('CUNIT1'), header.getString('CUNIT2')].map((unit) => unit?.trim().toLowerCase());
    if (cdelt1 !== undefined && cdelt2 !== undefined && units.every((unit) => unit === 'arcsec')) {
      const distanceCm = (header.getNumber('DSUN_OBS') ?? ASTRONOMICAL_UNIT_M) * 100;
      const areaCm2 = Math.abs((cdelt1 / ARCSEC_PER_RADIAN) * distanceCm * (cdelt2 / ARCSEC_PER_RADIAN) * distanceCm);
      maxwell = sum * areaCm2;
    }
  }
  return { gaussReferencePixels: sum * pixelArea, maxwell };
}
