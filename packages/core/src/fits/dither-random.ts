/** Length of the table of uniform random numbers used by subtractive dithering. */
export const DITHER_RANDOM_COUNT = 10000;

let table: Float32Array | undefined;

/**
 * The 10,000 uniform deviates of the FITS tile-compression convention: the Park–Miller minimal
 * standard generator (a = 16807, m = 2³¹ − 1) from seed 1, each value seed/m rounded to float32.
 * Quantised floats are only recovered exactly when writer and reader share this table.
 */
export function ditherRandomTable(): Float32Array {
  if (table) return table;
  const a = 16807;
  const m = 2147483647;
  const values = new Float32Array(DITHER_RANDOM_COUNT);
  let seed = 1;
  for (let i = 0; i < DITHER_RANDOM_COUNT; i += 1) {
    const product = a * seed;
    seed = product - m * Math.floor(product / m);
    values[i] = seed / m;
  }
  table = values;
  return values;
}

/**
 * Dequantises one tile of subtractively dithered integers into `out` (same order):
 * value = (stored − r + 0.5) × scale + zero, with r walking the random table from an offset that
 * depends on the tile number and ZDITHER0. With SUBTRACTIVE_DITHER_2, stored −2147483646 means
 * an exact zero.
 */
export function undither(
  stored: Int32Array,
  out: Float64Array,
  {
    tile,
    ditherSeed,
    scale,
    zero,
    blank,
    zeroCode,
  }: { tile: number; ditherSeed: number; scale: number; zero: number; blank: number | undefined; zeroCode: boolean },
): void {
  const random = ditherRandomTable();
  // tile is 1-based; CFITSIO seeds tile n with table entry (n + ZDITHER0 − 2) mod 10000.
  let seedIndex = (tile + ditherSeed - 2) % DITHER_RANDOM_COUNT;
  let next = Math.floor(random[seedIndex] * 500);
  for (let i = 0; i < stored.length; i += 1) {
    const value = stored[i];
    let physical: number;
    if (blank !== undefined && value === blank) physical = NaN;
    else if (zeroCode && value === ZERO_VALUE) physical = 0;
    else physical = (value - random[next] + 0.5) * scale + zero;
    out[i] = physical;
    next += 1;
    if (next === DITHER_RANDOM_COUNT) {
      seedIndex = (seedIndex + 1) % DITHER_RANDOM_COUNT;
      next = Math.floor(random[seedIndex] * 500);
    }
  }
}

/** The stored code SUBTRACTIVE_DITHER_2 reserves for pixels that were exactly zero. */
export const ZERO_VALUE = -2147483646;
