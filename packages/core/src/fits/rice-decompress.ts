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
): Int32Array {
  const coding = RICE_CODING[bytePix];
  if (!coding) {
    throw new FitsError({
      code: 'FITS_UNSUPPORTED_COMPRESSION',
      message: `${where}: BYTEPIX = ${String(bytePix)}: RICE_1 supports 1, 2 or 4 bytes per pixel`,
      details: { bytePix },
    });
  }
  const { fsBits, fsMax, bits } = coding;
  const wrap =
    bytePix === 4 ? (x: number) => x | 0 : bytePix === 2 ? (x: number) => ((x | 0) << 16) >> 16 : (x: number) => x & 0xff;
  const out = new Int32Array(count);
  if (count === 0) return out;
  const totalBits = stream.length * 8;
  let position = 0;

  const fail = (): never => {
    throw new FitsError({
      code: 'FITS_CORRUPT_TILE',
      message: `${where}: the compressed stream (${stream.length} bytes) ends before its ${count} pixels are decoded`,
      details: { streamLength: stream.length, count },
    });
  };
  const readBits = (n: number): number => {
    let value = 0;
    while (n > 0) {
      const byte = stream[position >>> 3];
      if (byte === undefined) fail();
      const available = 8 - (position & 7);
      const take = available < n ? available : n;
      value = value * (1 << take) + ((byte >>> (available - take)) & ((1 << take) - 1));
      n -= take;
      position += take;
    }
    return value;
  };
  const countZeros = (): number => {
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
      return zeros;
    }
  };

  let last = wrap(readBits(bits));
  for (let i = 0; i < count; ) {
    const fs = readBits(fsBits) - 1;
    const end = Math.min(i + blockSize, count);
    if (fs < 0) {
      for (; i < end; i += 1) out[i] = last;
    } else {
      const verbatim = fs === fsMax;
      for (; i < end; i += 1) {
        const mapped = verbatim ? readBits(bits) : countZeros() * 2 ** fs + readBits(fs);
        // Differences are stored zig-zag mapped: 0, -1, 1, -2, ... → 0, 1, 2, 3, ...
        const difference = mapped % 2 === 0 ? mapped / 2 : -(mapped + 1) / 2;
        last = wrap(last + difference);
        out[i] = last;
      }
    }
  }
  return out;
}
