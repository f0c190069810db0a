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

// Every sub-length divides the top length, so one table of exp(±2πi t/N) serves all levels.
function transform(re: Float64Array, im: Float64Array, table: Twiddles): void {
  const n = re.length;
  if (n <= 1) return;
  const p = smallestFactor(n);
  const m = n / p;
  // Split into p interleaved sub-sequences, transform each, then combine with twiddles.
  const subRe: Float64Array[] = [];
  const subIm: Float64Array[] = [];
  for (let r = 0; r < p; r++) {
    const sr = new Float64Array(m);
    const si = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      sr[j] = re[j * p + r];
      si[j] = im[j * p + r];
    }
    if (m > 1) transform(sr, si, table);
    subRe.push(sr);
    subIm.push(si);
  }
  const stride = table.length / n;
  for (let k = 0; k < n; k++) {
    const km = k % m;
    let accRe = 0;
    let accIm = 0;
    for (let r = 0; r < p; r++) {
      const t = ((r * k) % n) * stride;
      const c = table.cos[t];
      const s = table.sin[t];
      const xr = subRe[r][km];
      const xi = subIm[r][km];
      accRe += xr * c - xi * s;
      accIm += xr * s + xi * c;
    }
    re[k] = accRe;
    im[k] = accIm;
  }
}

/** In-place forward DFT: X[k] = Σ x[j] exp(−2πi jk/n). */
export function fft(re: Float64Array, im: Float64Array, table: Twiddles = twiddles(re.length, -1)): void {
  transform(re, im, table);
}

/** In-place inverse DFT, including the 1/n factor. */
export function ifft(re: Float64Array, im: Float64Array, table: Twiddles = twiddles(re.length, 1)): void {
  transform(re, im, table);
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
