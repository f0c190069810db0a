import { FitsError } from './fits-error.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
 * Decodes big-endian image data into physical values, written to `out` (float64 arithmetic, rounded
 * once if `out` is float32). `blank` marks undefined integer pixels, which become NaN; float data
 * keep their NaNs.
 */
export function decodeImageData<Out extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  bitpix: FitsBitpix,
  count: number,
  { bscale, bzero, blank }: IntegerScaling,
  out: Out,
): Out {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bitpix === -32 && bscale === 1 && bzero === 0 && LITTLE_ENDIAN_HOST) {
    // The common case (float32 files): swap bytes in bulk rather than going through DataView.
    const swapped = new Uint8Array(count * 4);
    for (let i = 0; i < swapped.length; i += 4) {
      swapped[i] = bytes[i + 3];
      swapped[i + 1] = bytes[i + 2];
      swapped[i + 2] = bytes[i + 1];
      swapped[i + 3] = bytes[i];
    }
    out.set(new Float32Array(swapped.buffer));
    return out;
  }
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
