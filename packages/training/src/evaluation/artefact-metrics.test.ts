import { describe, expect, it } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import {
  axisAnisotropy,
  beyondCutoffPowerFraction,
  binnedMeanRatio,
  diffractionCutoffCyclesPerPixel,
  gaussianSmooth,
  weakFieldRatio,
} from './artefact-metrics.js';

const plane = (width: number, height: number, f: (x: number, y: number) => number) => {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
};

describe('diffractionCutoffCyclesPerPixel', () => {
  it('is D/λ in cycles per pixel: 28 cm at 6173 Å on 0.252"/px', () => {
    // D/λ = 453,585 cycles/rad; one pixel is 0.252/206264.8 rad.
    expect(diffractionCutoffCyclesPerPixel(0.28, 6173e-10, 0.252)).toBeCloseTo(0.5542, 3);
  });
});

describe('beyondCutoffPowerFraction', () => {
  it('puts a 2-px checkerboard entirely beyond the cutoff', () => {
    expect(
      beyondCutoffPowerFraction(
        plane(64, 48, (x, y) => 1 + 0.1 * ((x + y) % 2 ? 1 : -1)),
        0.554,
      ),
    ).toBeGreaterThan(0.99);
  });
  it('finds nothing beyond the cutoff in a smooth image and grows with an added checkerboard', () => {
    const smooth = plane(64, 64, (x, y) => 1 + 0.1 * Math.sin((2 * Math.PI * 3 * x) / 64) * Math.cos((2 * Math.PI * 2 * y) / 64));
    expect(beyondCutoffPowerFraction(smooth, 0.554)).toBeLessThan(1e-6);
    const faint = plane(64, 64, (x, y) => smooth.data[y * 64 + x] + 0.005 * ((x + y) % 2 ? 1 : -1));
    const fraction = beyondCutoffPowerFraction(faint, 0.554);
    expect(fraction).toBeGreaterThan(1e-3);
    expect(fraction).toBeLessThan(0.1);
  });
});

describe('axisAnisotropy', () => {
  it('is near 1 for white noise and large for horizontal stripes', () => {
    const random = createRandom(4);
    const noise = plane(96, 96, () => random() - 0.5);
    expect(axisAnisotropy(noise)).toBeLessThan(1.3);
    const stripes = plane(96, 96, (x, y) => noise.data[y * 96 + x] + 2 * Math.sin(2 * Math.PI * 0.25 * y));
    expect(axisAnisotropy(stripes)).toBeGreaterThan(10);
    // The same stripes turned vertical give the same (folded) anisotropy.
    const vertical = plane(96, 96, (x, y) => noise.data[x * 96 + y] + 2 * Math.sin(2 * Math.PI * 0.25 * x));
    expect(axisAnisotropy(vertical)).toBeCloseTo(axisAnisotropy(stripes), 6);
  });
});

describe('binnedMeanRatio', () => {
  it('compares the 2×2-binned output with the input over finite input pixels only', () => {
    const input = plane(2, 1, (x) => (x === 0 ? 1 : Number.NaN));
    const output = plane(4, 2, (x) => (x < 2 ? 1.02 : 50));
    expect(binnedMeanRatio(output, input)).toBeCloseTo(1.02, 12);
  });
  it('is 1 when the output only moves light inside each block', () => {
    const input = plane(3, 2, (x, y) => 1 + x + y);
    const output = plane(6, 4, (x, y) => (1 + (x >> 1) + (y >> 1)) * ((x + y) % 2 ? 1.5 : 0.5));
    expect(binnedMeanRatio(output, input)).toBeCloseTo(1, 12);
  });
  it('rejects sizes that are not ×2', () => {
    expect(() =>
      binnedMeanRatio(
        plane(5, 4, () => 1),
        plane(3, 2, () => 1),
      ),
    ).toThrow(/not twice/);
  });
});

describe('weakFieldRatio', () => {
  it('averages |B| only where the smoothed input is weak', () => {
    // Left half weak (10 G), right half strong (500 G); the output halves the weak field and doubles the strong one.
    const input = plane(80, 40, (x) => (x < 40 ? 10 * (x % 2 ? 1 : -1) : 500));
    const output = plane(80, 40, (x) => (x < 40 ? 5 * (x % 2 ? 1 : -1) : 1000));
    const { ratio, fraction } = weakFieldRatio(output, input, 40, 4);
    expect(ratio).toBeCloseTo(0.5, 12);
    expect(fraction).toBeGreaterThan(0.4);
    expect(fraction).toBeLessThan(0.5);
  });
});

describe('gaussianSmooth', () => {
  it('keeps a constant and spreads an impulse with unit sum', () => {
    expect(
      gaussianSmooth(
        plane(9, 9, () => 3),
        1.5,
      ).data.every((v) => Math.abs(v - 3) < 1e-12),
    ).toBe(true);
    const impulse = gaussianSmooth(
      plane(31, 31, (x, y) => (x === 15 && y === 15 ? 1 : 0)),
      2,
    );
    expect(impulse.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(impulse.data[15 * 31 + 15 + 2] / impulse.data[15 * 31 + 15]).toBeCloseTo(Math.exp(-0.5), 2);
  });
});
