import { describe, expect, it } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { PAPER_DEGRADATION, degradePair } from './degrade-pair.js';

// A tighter support than the default keeps the kernels (and the test) small.
const recipe = { ...PAPER_DEGRADATION, energyFraction: 0.9 };

describe('degradePair', () => {
  it('keeps a constant image constant and produces exactly aligned 1× / 2× grids', () => {
    const source: ImagePlane = { width: 160, height: 120, data: new Float64Array(160 * 120).fill(2) };
    const pair = degradePair(source, { sourceScaleArcsec: 0.0662, boundary: 'reflect', recipe });
    expect(pair.input.width).toBe(Math.floor((160 * 0.0662) / 0.504));
    expect(pair.target.width).toBe(2 * pair.input.width);
    expect(pair.target.height).toBe(2 * pair.input.height);
    for (const v of pair.input.data) expect(v).toBeCloseTo(2, 9);
    for (const v of pair.target.data) expect(v).toBeCloseTo(2, 9);
  });

  it('conserves the mean of a periodic image and blurs the input more than the target', () => {
    const random = createRandom(5);
    // At 0.504/8 "/px a 400-pixel source holds 50 input pixels and 100 target pixels exactly.
    const n = 400;
    const source: ImagePlane = { width: n, height: n, data: Float64Array.from({ length: n * n }, () => 1 + 0.2 * (random() - 0.5)) };
    const pair = degradePair(source, { sourceScaleArcsec: 0.504 / (n / 50), boundary: 'periodic', recipe });
    const mean = (p: ImagePlane) => p.data.reduce((a, b) => a + b, 0) / p.data.length;
    const std = (p: ImagePlane) => {
      const m = mean(p);
      return Math.sqrt(p.data.reduce((a, b) => a + (b - m) ** 2, 0) / p.data.length);
    };
    expect(pair.input.width).toBe(50);
    expect(mean(pair.input)).toBeCloseTo(mean(source), 10);
    expect(mean(pair.target)).toBeCloseTo(mean(source), 10);
    // Independent white noise averaged over k² pixels shrinks by k; the PSFs shrink it further.
    expect(std(pair.input)).toBeLessThan(std(source) / (n / 50));
    expect(std(pair.target)).toBeGreaterThan(std(pair.input));
  });
});
