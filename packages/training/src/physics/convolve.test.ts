import { describe, expect, it } from 'vitest';
import { boundaryIndex, convolvePlane, padPlane, type BoundaryMode } from './convolve.js';
import type { ImagePlane } from './image-plane.js';
import { createRandom } from '@enhance/graph-builder';

function randomPlane(width: number, height: number, seed: number): ImagePlane {
  const random = createRandom(seed);
  return { width, height, data: Float64Array.from({ length: width * height }, () => random()) };
}

// Plain direct sum with explicit boundary handling, written independently of the FFT path.
function directConvolution(image: ImagePlane, kernel: ImagePlane, mode: BoundaryMode): Float64Array {
  const out = new Float64Array(image.width * image.height);
  const cx = (kernel.width - 1) / 2;
  const cy = (kernel.height - 1) / 2;
  const wrap = (i: number, n: number): number => {
    if (mode === 'periodic') return ((i % n) + n) % n;
    if (mode === 'edge') return Math.min(n - 1, Math.max(0, i));
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return j;
  };
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      let sum = 0;
      for (let j = 0; j < kernel.height; j++) {
        for (let i = 0; i < kernel.width; i++) {
          sum +=
            kernel.data[j * kernel.width + i] * image.data[wrap(y + cy - j, image.height) * image.width + wrap(x + cx - i, image.width)];
        }
      }
      out[y * image.width + x] = sum;
    }
  }
  return out;
}

describe('convolvePlane', () => {
  it.each([
    { mode: 'periodic' as const, kw: 5, kh: 3 },
    { mode: 'reflect' as const, kw: 7, kh: 7 },
    { mode: 'edge' as const, kw: 3, kh: 9 },
    // A kernel larger than the image: the reflection folds several times and the torus wraps.
    { mode: 'reflect' as const, kw: 31, kh: 31 },
    { mode: 'periodic' as const, kw: 31, kh: 25 },
  ])('matches a direct sum ($mode, kernel $kw×$kh)', ({ mode, kw, kh }) => {
    const image = randomPlane(13, 11, 1);
    const kernel = randomPlane(kw, kh, 2);
    const expected = directConvolution(image, kernel, mode);
    const actual = convolvePlane(image, kernel, mode);
    expect(actual.width).toBe(13);
    for (let i = 0; i < expected.length; i++) expect(actual.data[i]).toBeCloseTo(expected[i], 9);
  });

  it('rejects an even-sized kernel with its size', () => {
    expect(() => convolvePlane(randomPlane(4, 4, 1), randomPlane(4, 3, 1), 'edge')).toThrow(/4×3/);
  });

  it('pads like ONNX Pad reflect / edge', () => {
    const image: ImagePlane = { width: 3, height: 1, data: Float64Array.from([1, 2, 3]) };
    expect(Array.from(padPlane(image, 2, 'reflect').data.subarray(2 * 7, 3 * 7))).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(Array.from(padPlane(image, 2, 'edge').data.subarray(2 * 7, 3 * 7))).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect([-1, 3, 4].map((i) => boundaryIndex(i, 3, 'periodic'))).toEqual([2, 0, 1]);
  });
});
