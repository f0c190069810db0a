/**
 * A RICE_1 encoder written from the tile-compression convention (Pence, Seaman & White 2009), used
 * only to make compressed test files. The first pixel is stored verbatim in `bytePix` bytes; each
 * block of `blockSize` differences starts with a selector of 3/4/5 bits (for 1/2/4-byte pixels)
 * holding fs + 1: 0 means every difference is zero, fsMax + 1 means the differences follow verbatim,
 * otherwise each mapped difference m is written as (m >> fs) zeros, a one, then the fs low bits of m.
 */
const CODING = {
  1: { fsBits: 3, fsMax: 6, bits: 8 },
  2: { fsBits: 4, fsMax: 14, bits: 16 },
  4: { fsBits: 5, fsMax: 25, bits: 32 },
} as const;

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: bigint, count: number): void {
    for (let bit = count - 1; bit >= 0; bit -= 1) this.writeBit(Number((value >> BigInt(bit)) & 1n));
  }

  writeBit(bit: number): void {
    this.current = (this.current << 1) | bit;
    this.used += 1;
    if (this.used === 8) {
      this.bytes.push(this.current);
      this.current = 0;
      this.used = 0;
    }
  }

  finish(): Uint8Array {
    if (this.used > 0) this.bytes.push(this.current << (8 - this.used));
    return Uint8Array.from(this.bytes);
  }
}

/** Chooses the code length for one block of mapped differences; -1 = all zero, fsMax = verbatim. */
export type FsChooser = (mapped: readonly bigint[], blockIndex: number, fsMax: number) => number;

export const chooseFsByMean: FsChooser = (mapped, _blockIndex, fsMax) => {
  const sum = mapped.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return -1;
  const mean = Number(sum) / mapped.length;
  let fs = 0;
  while (fs < fsMax && 2 ** (fs + 1) <= mean) fs += 1;
  return fs;
};

export function riceEncode(
  values: ArrayLike<number>,
  { blockSize = 32, bytePix = 4, chooseFs = chooseFsByMean }: { blockSize?: number; bytePix?: 1 | 2 | 4; chooseFs?: FsChooser } = {},
): Uint8Array {
  const { fsBits, fsMax, bits } = CODING[bytePix];
  const modulus = 1n << BigInt(bits);
  const half = modulus >> 1n;
  const writer = new BitWriter();
  const asUnsigned = (value: number) => ((BigInt(value) % modulus) + modulus) % modulus;
  writer.write(asUnsigned(values[0]), bits);
  let last = asUnsigned(values[0]);
  for (let start = 0, blockIndex = 0; start < values.length; start += blockSize, blockIndex += 1) {
    const mapped: bigint[] = [];
    for (let i = start; i < Math.min(start + blockSize, values.length); i += 1) {
      const current = asUnsigned(values[i]);
      let difference = (current - last + modulus) % modulus;
      if (difference >= half) difference -= modulus; // signed difference in the pixel width
      mapped.push(difference >= 0n ? 2n * difference : -2n * difference - 1n);
      last = current;
    }
    let fs = chooseFs(mapped, blockIndex, fsMax);
    if (fs === -1 && mapped.some((m) => m !== 0n)) fs = fsMax;
    writer.write(BigInt(fs + 1), fsBits);
    if (fs === -1) continue;
    for (const m of mapped) {
      if (fs === fsMax) {
        writer.write(m, bits);
        continue;
      }
      const top = m >> BigInt(fs);
      for (let zero = 0n; zero < top; zero += 1n) writer.writeBit(0);
      writer.writeBit(1);
      writer.write(m & ((1n << BigInt(fs)) - 1n), fs);
    }
  }
  return writer.finish();
}
