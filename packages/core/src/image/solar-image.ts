import type { FitsHeader } from '../fits/fits-header.js';

/**
 * A 2-D image with its FITS header. `width` is NAXIS1 (the fast axis) and `height` NAXIS2; pixels
 * are row-major, `data[y * width + x]` with x, y 0-based (FITS pixel (x + 1, y + 1)).
 * Off-disk or undefined pixels are NaN.
 */
export interface SolarImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly header: FitsHeader;
}
