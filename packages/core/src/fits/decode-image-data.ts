import { FitsError } from './fits-error.js';

/** BITPIX values of FITS images: unsigned 8-bit, signed 16/32/64-bit integers, IEEE 32/64-bit floats. */
export type FitsBitpix = 8 | 16 | 32 | 64 | -32 | -64;
export const FITS_BITPIX_VALUES: readonly FitsBitpix[] = Object.freeze([8, 16, 32, 64, -32, -64]);

export function isFitsBitpix(value: number): value is FitsBitpix {
  return (FITS_BITPIX_VALUES as readonly number[]).includes(value);
}

/** How stored integers become physical values: physical = bzero + bscale × stored; blank → NaN. */
export interface IntegerScaling {
  readonly bscale: number;
  readonly bzero: number;
  readonly blank: number | bigint | undefined;
}

/**
 * Decodes big-endian image data into physical values (float64). `blank` marks undefined integer
 * pixels, which become NaN; float data keep their NaNs.
 */
export function decodeImageData(
  bytes: Uint8Array,
  bitpix: FitsBitpix,
  count: number,
  { bscale, bzero, blank }: IntegerScaling,
): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  const blankNumber = blank === undefined ? undefined : Number(blank);
  switch (bitpix) {
    case 8:
      for (let i = 0; i < count; i += 1) {
        const stored = bytes[i];
        out[i] = stored === blankNumber ? NaN : bzero + bscale * stored;
      }
      break;
    case 16:
      for (let i = 0; i < count; i += 1) {
        const stored = view.getInt16(2 * i);
        out[i] = stored === blankNumber ? NaN : bzero + bscale * stored;
      }
      break;
    case 32:
      for (let i = 0; i < count; i += 1) {
        const stored = view.getInt32(4 * i);
        out[i] = stored === blankNumber ? NaN : bzero + bscale * stored;
      }
      break;
    case 64: {
      const blankBig = blank === undefined ? undefined : BigInt(blank);
      for (let i = 0; i < count; i += 1) {
        const stored = view.getBigInt64(8 * i);
        out[i] = stored === blankBig ? NaN : bzero + bscale * Number(stored);
      }
      break;
    }
    case -32:
      for (let i = 0; i < count; i += 1) out[i] = bzero + bscale * view.getFloat32(4 * i);
      break;
    case -64:
      for (let i = 0; i < count; i += 1) out[i] = bzero + bscale * view.getFloat64(8 * i);
      break;
    default:
      throw new FitsError({
        code: 'FITS_UNSUPPORTED_BITPIX',
        message: `BITPIX = ${String(bitpix)}: expected one of ${FITS_BITPIX_VALUES.join(', ')}`,
        details: { bitpix },
      });
  }
  return out;
}
