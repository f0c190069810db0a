import type { FitsHeader } from '../fits/fits-header.js';

/** A row-major image (SolarImage, PlainImage, training's float64 planes); only the pixels are read. */
interface Pixels {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** RMS contrast σ/⟨I⟩ of the finite pixels (for intensity: the granulation contrast); NaN when none is finite. */
export function rmsContrast(image: Pixels): number {
  const { data } = image;
  let count = 0;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) continue;
    count++;
    sum += data[i];
  }
  if (count === 0) return Number.NaN;
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) squares += (data[i] - mean) ** 2;
  return Math.sqrt(squares / count) / mean;
}

/**
 * Σ|B| over the finite pixels times the pixel area `pixelScale`², in (field unit)·(pixelScale's unit)²:
 * comparable between samplings of one field when each is given its own pixel scale.
 */
export function unsignedFlux(image: Pixels, pixelScale = 1): number {
  const { data } = image;
  let sum = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) sum += Math.abs(data[i]);
  return sum * pixelScale * pixelScale;
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
export function totalUnsignedFlux(image: Pixels & { readonly header?: FitsHeader }, referenceWidth: number = image.width): UnsignedFlux {
  const sum = unsignedFlux(image);
  const pixelArea = (referenceWidth / image.width) ** 2;
  const { header } = image;
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
