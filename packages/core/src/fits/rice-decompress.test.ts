import { describe, expect, it } from 'vitest';
import { errorOf, riceEncode } from '@enhance/test-support';
import { riceDecompress } from './rice-decompress.js';

/** Deterministic pseudo-random integers (xorshift), so failures reproduce. */
function randomIntegers(count: number, seed: number, spread: number, offset = 0): number[] {
  let state = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out.push(offset + (state % (2 * spread + 1)) - spread);
  }
  return out;
}

describe('riceDecompress', () => {
  it('decodes a hand-assembled stream: first pixel verbatim, then one all-zero block', () => {
    // 0x00000005, then selector 00000 (fs + 1 = 0: every difference zero).
    expect(Array.from(riceDecompress(Uint8Array.from([0, 0, 0, 5, 0]), 4, 32, 4))).toEqual([5, 5, 5, 5]);
  });

  it('decodes a hand-assembled Rice block with fs = 0', () => {
    // Pixels [1, 2]: differences 0, +1 map to 0, 2; selector 00001 (fs = 0), codes "1" and "001".
    // Bits 00001 1 001 → 0x0C 0x80.
    expect(Array.from(riceDecompress(Uint8Array.from([0, 0, 0, 1, 0x0c, 0x80]), 2, 32, 4))).toEqual([1, 2]);
  });

  it('decodes a hand-assembled 8-bit stream with a verbatim block', () => {
    // First pixel 200; selector 111 (fs + 1 = 7 = fsMax + 1, 3 bits); difference 255 − 200 = 55 → mapped 110.
    // Bits 111 01101110 → 0xED 0xC0.
    expect(Array.from(riceDecompress(Uint8Array.from([200, 0xed, 0xc0]), 1, 32, 1))).toEqual([255]);
  });

  const cases = [
    { bytePix: 4 as const, spread: 1000, offset: 97304 },
    { bytePix: 4 as const, spread: 2 ** 30, offset: 0 },
    { bytePix: 2 as const, spread: 300, offset: -1200 },
    { bytePix: 2 as const, spread: 32767, offset: 0 },
    { bytePix: 1 as const, spread: 20, offset: 100 },
    { bytePix: 1 as const, spread: 127, offset: 128 },
  ];
  for (const { bytePix, spread, offset } of cases) {
    for (const blockSize of [16, 32]) {
      it(`round-trips ${bytePix}-byte pixels (±${spread} around ${offset}), block size ${blockSize}`, () => {
        // 203 pixels: a short final block; a flat run to get all-zero blocks.
        const values = randomIntegers(203, spread + bytePix + blockSize, spread, offset);
        for (let i = 40; i < 120; i += 1) values[i] = values[40];
        const stream = riceEncode(values, { bytePix, blockSize });
        expect(Array.from(riceDecompress(stream, values.length, blockSize, bytePix))).toEqual(values);
      });
    }
  }

  it('decodes every code length the selector allows, including verbatim blocks', () => {
    // Block k holds differences of about ±2^k and is coded with fs = k (k = 25 is the verbatim code).
    const values: number[] = [12345];
    for (let k = 0; k <= 25; k += 1) {
      for (const step of randomIntegers(32, k + 11, 2 ** k)) values.push((values[values.length - 1] + step) | 0);
    }
    const stream = riceEncode(values, { bytePix: 4, blockSize: 32, chooseFs: (_m, k) => Math.min(k, 25) });
    expect(Array.from(riceDecompress(stream, values.length, 32, 4))).toEqual(values);
  });

  it('wraps 32-bit differences the way the stored integers do', () => {
    const values = [2147483647, -2147483648, 2147483647, 0, -2147483647];
    const stream = riceEncode(values, { bytePix: 4 });
    expect(Array.from(riceDecompress(stream, values.length, 32, 4))).toEqual(values);
  });

  it('reports a stream that ends too early', () => {
    const values = randomIntegers(100, 3, 5000);
    const stream = riceEncode(values, { bytePix: 4 });
    const error = errorOf(() => riceDecompress(stream.subarray(0, stream.length - 20), values.length, 32, 4, 'tile 3'));
    expect(error.code).toBe('FITS_CORRUPT_TILE');
    expect(error.message).toContain('tile 3');
    expect(error.message).toContain(`${stream.length - 20} bytes`);
  });
});
