import { EnhanceError } from '../errors/index.js';

/** Why a FITS file could not be read or written (why an image cannot go through Enhance: EnhancerErrorCode). */
export type FitsErrorCode =
  | 'FITS_NOT_FITS'
  | 'FITS_TRUNCATED'
  | 'FITS_BAD_HEADER'
  | 'FITS_NO_IMAGE'
  | 'FITS_NOT_2D'
  | 'FITS_HDU_OUT_OF_RANGE'
  | 'FITS_UNSUPPORTED_BITPIX'
  | 'FITS_UNSUPPORTED_COMPRESSION'
  | 'FITS_CORRUPT_TILE'
  | 'FITS_TOO_LARGE'
  | 'FITS_INVALID_IMAGE';

/** Error thrown by the FITS reader and writer; `details` carries the offending values. */
export class FitsError extends EnhanceError {
  declare readonly code: FitsErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    message,
    code,
    file,
    cause,
    details = {},
  }: {
    message: string;
    code: FitsErrorCode;
    file?: string;
    cause?: unknown;
    details?: Record<string, unknown>;
  }) {
    super({ message, code, file, cause });
    this.name = 'FitsError';
    this.details = Object.freeze({ ...details });
  }
}
