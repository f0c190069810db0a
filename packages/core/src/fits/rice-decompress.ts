import { FitsError } from './fits-error.js';

/** Bytes per stored pixel in a Rice stream: 1 (8-bit), 2 (16-bit) or 4 (32-bit integers). */
export type RiceBytePix = 1 | 2 | 4;

/** Rice parameters per pixel size (FITS tile compression convention, Pence et al. 2009). */
const RICE_CODING: Readonly<Record<RiceBytePix, { fsBits: number; fsMax: number; bits: number }>> = {
  1: { fsBits: 3, fsMax: 6, bits: 8 },
  2: { fsBits: 4, fsMax: 14, bits: 16 },
  4: { fsBits: 5, fsMax: 25, bits: 32 },
};

/**
 * The most pixels a Rice stream of `streamLength` bytes can hold: the first pixel takes a full pixel
 * width, and every block after it at least its selector (an all-zero block is nothing else), so
 * no tile can claim more pixels than this from the bytes it has.
 */
export function riceCapacity(streamLength: number, blockSize: number, bytePix: RiceBytePix): number {
  const { fsBits, bits } = RICE_CODING[bytePix];
  const spare = streamLength * 8 - bits;
  return spare < 0 ? 0 : Math.floor(spare / fsBits) * blockSize;
}

/**
 * Decodes one RICE_1 tile into `count` integers. The stream holds the first pixel verbatim, then
 * blocks of `blockSize` pixel differences, each block led by a code-length selector: all-zero
 * differences, verbatim differences, or Rice codes with `fs` low bits. 8-bit pixels come back
 * unsigned, 16- and 32-bit pixels signed.
 */
export function riceDecompress(
  stream: Uint8Array,
  count: number,
  blockSize: number,
  bytePix: RiceBytePix,
  where = 'Rice tile',
  file?: string,
): Int32Array {
  const coding = RICE_CODING[bytePix];
  if (!coding) {
    throw new FitsError({
      code: 'FITS_UNSUPPORTED_COMPRESSION',
      file,
      message: `${where}: BYTEPIX = ${String(bytePix)}: RICE_1 supports 1, 2 or 4 bytes per pixel`,
      details: { bytePix },
    });
  }
  if (!Number.isInteger(blockSize) || blockSize < 1 || !Number.isInteger(count) || count < 0) {
    throw new FitsError({
      code: 'FITS_CORRUPT_TILE',
      file,
      message: `${where}: BLOCKSIZE = ${blockSize} for ${count} pixels: expected a positive block size and a pixel count of at least 0`,
      details: { blockSize, count },
    });
  }
  const { fsBits, fsMax, bits } = coding;
  const out = new Int32Array(count);
  if (count === 0) return out;
  const totalBits = stream.length * 8;
  const fail = (): never => {
    throw new FitsError({
      code: 'FITS_CORRUPT_TILE',
      file,
      message: `${where}: the compressed stream (${stream.length} bytes) ends before its ${count} pixels are decoded`,
      details: { streamLength: stream.length, count },
    });
  };
  // Up to 25 bits starting at a bit position: a 32-bit big-endian window shifted into place.
  const peek = (at: number, n: number): number => {
    const i = at >>> 3;
    const window = (stream[i] << 24) | (stream[i + 1] << 16) | (stream[i + 2] << 8) | (stream[i + 3] | 0);
    return (window << (at & 7)) >>> (32 - n);
  };
  // A full pixel width (8, 16 or 32 bits), read in two halves so no shift exceeds 25 bits.
  const peekWide = (at: number): number => {
    const half = bits >>> 1;
    return peek(at, half) * 2 ** half + peek(at + half, half);
  };
  const wrap = bytePix === 4 ? (x: number) => x | 0 : bytePix === 2 ? (x: number) => ((x | 0) << 16) >> 16 : (x: number) => x & 0xff;

  if (bits > totalBits) fail();
  let last = wrap(peekWide(0));
  let position = bits;
  for (let i = 0; i < count;) {
    if (position + fsBits > totalBits) fail();
    const fs = peek(position, fsBits) - 1;
    position += fsBits;
    const end = Math.min(i + blockSize, count);
    if (fs < 0) {
      for (; i < end; i += 1) out[i] = last;
      continue;
    }
    const verbatim = fs === fsMax;
    const scale = 2 ** fs;
    for (; i < end; i += 1) {
      let mapped: number;
      if (verbatim) {
        if (position + bits > totalBits) fail();
        mapped = peekWide(position);
        position += bits;
      } else {
        // Unary part: count zero bits up to the next one, skipping whole zero bytes at a time.
        let zeros = 0;
        for (;;) {
          if (position >= totalBits) fail();
          const offset = position & 7;
          const rest = (stream[position >>> 3] << offset) & 0xff;
          if (rest === 0) {
            zeros += 8 - offset;
            position += 8 - offset;
            continue;
          }
          const leading = Math.clz32(rest) - 24;
          zeros += leading;
          position += leading + 1;
          break;
        }
        if (position + fs > totalBits) fail();
        mapped = zeros * scale + (fs === 0 ? 0 : peek(position, fs));
        position += fs;
      }
      // Differences are stored zig-zag mapped: 0, -1, 1, -2, ... → 0, 1, 2, 3, ...
      const difference = mapped % 2 === 0 ? mapped / 2 : -(mapped + 1) / 2;
      last = wrap(last + difference);
      out[i] = last;
    }
  }
  return out;
}
