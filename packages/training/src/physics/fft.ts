/**
 * Complex discrete Fourier transforms of any length: mixed-radix Cooley–Tukey (recursive decimation in
 * time), with a direct O(p²) step for the prime factors. Lengths whose factors are 2, 3 and 5 are
 * fast; `nextFastLength` finds one for padding.
 */

function smallestFactor(n: number): number {
  if (n % 2 === 0) return 2;
  for (let p = 3; p * p <= n; p += 2) if (n % p === 0) return p;
  return n;
}

/** The smallest n' ≥ n whose only prime factors are 2, 3 and 5. */
export function nextFastLength(n: number): number {
  for (let m = Math.max(1, n); ; m++) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

interface Twiddles {
  readonly length: number;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

function twiddles(length: number, sign: 1 | -1): Twiddles {
  const cos = new Float64Array(length);
  const sin = new Float64Array(length);
  for (let t = 0; t < length; t++) {
    cos[t] = Math.cos((sign * 2 * Math.PI * t) / length);
    sin[t] = Math.sin((sign * 2 * Math.PI * t) / length);
  }
  return { length, cos, sin };
}

// Out-of-place recursive decimation in time: the n inputs at inOffset + j·stride are transformed into
// out[outOffset, outOffset + n). Every sub-length divides the top length, so one table of
// exp(±2πi t/N) serves all levels; `scratch` (as long as the largest factor) holds one butterfly's
// inputs, and is free again whenever a level combines because its children have finished.
function transform(
  inRe: Float64Array,
  inIm: Float64Array,
  inOffset: number,
  stride: number,
  n: number,
  outRe: Float64Array,
  outIm: Float64Array,
  outOffset: number,
  table: Twiddles,
  scratch: { re: Float64Array; im: Float64Array },
): void {
  if (n === 1) {
    outRe[outOffset] = inRe[inOffset];
    outIm[outOffset] = inIm[inOffset];
    return;
  }
  const p = smallestFactor(n);
  const m = n / p;
  for (let r = 0; r < p; r++) transform(inRe, inIm, inOffset + r * stride, stride * p, m, outRe, outIm, outOffset + r * m, table, scratch);
  const twiddleStride = table.length / n;
  const { re: sRe, im: sIm } = scratch;
  for (let k = 0; k < m; k++) {
    for (let r = 0; r < p; r++) {
      sRe[r] = outRe[outOffset + r * m + k];
      sIm[r] = outIm[outOffset + r * m + k];
    }
    for (let q = 0; q < p; q++) {
      const kk = k + q * m;
      let accRe = 0;
      let accIm = 0;
      for (let r = 0; r < p; r++) {
        const t = ((r * kk) % n) * twiddleStride;
        const c = table.cos[t];
        const s = table.sin[t];
        accRe += sRe[r] * c - sIm[r] * s;
        accIm += sRe[r] * s + sIm[r] * c;
      }
      outRe[outOffset + kk] = accRe;
      outIm[outOffset + kk] = accIm;
    }
  }
}

function largestFactor(n: number): number {
  let largest = 1;
  for (let r = n; r > 1; r /= smallestFactor(r)) largest = Math.max(largest, smallestFactor(r));
  return largest;
}

function transformInPlace(re: Float64Array, im: Float64Array, table: Twiddles): void {
  const n = re.length;
  if (n <= 1) return;
  const inRe = Float64Array.from(re);
  const inIm = Float64Array.from(im);
  const size = largestFactor(n);
  transform(inRe, inIm, 0, 1, n, re, im, 0, table, { re: new Float64Array(size), im: new Float64Array(size) });
}

/** In-place forward DFT: X[k] = Σ x[j] exp(−2πi jk/n). */
export function fft(re: Float64Array, im: Float64Array, table: Twiddles = twiddles(re.length, -1)): void {
  transformInPlace(re, im, table);
}

/** In-place inverse DFT, including the 1/n factor. */
export function ifft(re: Float64Array, im: Float64Array, table: Twiddles = twiddles(re.length, 1)): void {
  transformInPlace(re, im, table);
  const n = re.length;
  for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] /= n;
  }
}

/** In-place 2-D DFT of a row-major width×height complex array (inverse includes 1/(width·height)). */
export function fft2d(re: Float64Array, im: Float64Array, width: number, height: number, inverse = false): void {
  const step = inverse ? ifft : fft;
  const sign = inverse ? 1 : -1;
  const rowTable = twiddles(width, sign);
  const colTable = twiddles(height, sign);
  const rowRe = new Float64Array(width);
  const rowIm = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    rowRe.set(re.subarray(y * width, (y + 1) * width));
    rowIm.set(im.subarray(y * width, (y + 1) * width));
    step(rowRe, rowIm, rowTable);
    re.set(rowRe, y * width);
    im.set(rowIm, y * width);
  }
  const colRe = new Float64Array(height);
  const colIm = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      colRe[y] = re[y * width + x];
      colIm[y] = im[y * width + x];
    }
    step(colRe, colIm, colTable);
    for (let y = 0; y < height; y++) {
      re[y * width + x] = colRe[y];
      im[y * width + x] = colIm[y];
    }
  }
}
