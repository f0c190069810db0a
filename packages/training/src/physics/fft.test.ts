import { describe, expect, it } from 'vitest';
import { fft, fft2d, ifft, nextFastLength } from './fft.js';
import { createRandom } from '@enhance/graph-builder';

function naiveDft(re: number[], im: number[]): { re: number[]; im: number[] } {
  const n = re.length;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return { re: outRe, im: outIm };
}

describe('fft', () => {
  it.each([1, 2, 7, 12, 30, 49, 64, 131])('matches a direct DFT for length %i and inverts', (n) => {
    const random = createRandom(n);
    const re = Array.from({ length: n }, () => random() - 0.5);
    const im = Array.from({ length: n }, () => random() - 0.5);
    const expected = naiveDft(re, im);
    const fr = Float64Array.from(re);
    const fi = Float64Array.from(im);
    fft(fr, fi);
    for (let k = 0; k < n; k++) {
      expect(fr[k]).toBeCloseTo(expected.re[k], 10);
      expect(fi[k]).toBeCloseTo(expected.im[k], 10);
    }
    ifft(fr, fi);
    for (let k = 0; k < n; k++) expect(fr[k]).toBeCloseTo(re[k], 12);
  });

  it('2-D transform of a plane wave is a single spike', () => {
    const width = 12;
    const height = 10;
    const re = new Float64Array(width * height);
    const im = new Float64Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) re[y * width + x] = Math.cos(2 * Math.PI * ((3 * x) / width + (2 * y) / height));
    fft2d(re, im, width, height);
    expect(re[2 * width + 3]).toBeCloseTo((width * height) / 2, 9);
    expect(re[(height - 2) * width + (width - 3)]).toBeCloseTo((width * height) / 2, 9);
    let rest = 0;
    for (let i = 0; i < re.length; i++)
      if (i !== 2 * width + 3 && i !== (height - 2) * width + width - 3) rest += Math.abs(re[i]) + Math.abs(im[i]);
    expect(rest).toBeLessThan(1e-9);
  });

  it('finds 2·3·5-smooth lengths', () => {
    expect([1, 7, 11, 131, 1001, 1318].map(nextFastLength)).toEqual([1, 8, 12, 135, 1024, 1350]);
  });
});
