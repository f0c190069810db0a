import { describe, expect, test } from 'vitest';
import { addGaussianNoise, createRandom } from '@enhance/graph-builder';
import { realImageCheck } from './evaluate-enhance.js';

/** Nearest-neighbour ×2 (a stand-in for bicubic: the check only needs the input on the output grid). */
function doubled(image: { width: number; height: number; data: Float64Array }) {
  const width = 2 * image.width;
  const height = 2 * image.height;
  return {
    width,
    height,
    data: Float64Array.from(
      { length: width * height },
      (_, i) => image.data[((i / width / 2) | 0) * image.width + (((i % width) / 2) | 0)],
    ),
  };
}

describe('realImageCheck (magnetograms)', () => {
  // A smooth field of 0.1–0.3 kG plus white noise of σ = 5 G.
  const width = 96;
  const height = 80;
  const clean = Float64Array.from(
    { length: width * height },
    (_, i) => 0.2 + 0.1 * Math.sin((i % width) / 15) * Math.cos(Math.floor(i / width) / 11),
  );
  const noisy = Float64Array.from(clean);
  addGaussianNoise(noisy, 0.005, createRandom(9));
  const input = { width, height, data: noisy };
  const meanAbs = noisy.reduce((a, v) => a + Math.abs(v), 0) / noisy.length;

  test("gives the residual the input's noise alone accounts for: 0.80 σ / mean |B|", () => {
    // A perfect denoiser's output: the clean field, with a re-degradation that is the identity on the input grid.
    const output = doubled({ width, height, data: clean });
    const redegrade = (o: typeof output) => ({
      width,
      height,
      data: Float64Array.from({ length: width * height }, (_, i) => o.data[2 * Math.floor(i / width) * o.width + 2 * (i % width)]),
    });
    const check = realImageCheck('blos', 'test', 'method', input, input, output, doubled(input), 1000, redegrade, 0);
    const expected = (Math.sqrt(2 / Math.PI) * 0.005) / meanAbs;
    expect(check.residualNoiseFloor).toBeGreaterThan(0.9 * expected);
    expect(check.residualNoiseFloor).toBeLessThan(1.1 * expected);
    // The denoiser's residual is exactly what the noise makes.
    expect(check.redegradedResidual).toBeGreaterThan(0.95 * expected);
    expect(check.redegradedResidual).toBeLessThan(1.05 * expected);
  });

  test('intensity checks carry no noise floor', () => {
    const output = doubled(input);
    const redegrade = () => input;
    expect(realImageCheck('intensity', 'test', 'method', input, input, output, output, 1, redegrade, 0).residualNoiseFloor).toBeUndefined();
  });
});

describe("realImageCheck: the input's own anisotropy", () => {
  // White noise with stripes that vary along x only, at a given frequency in cycles per input px.
  const width = 128;
  const height = 128;
  const striped = (cyclesPerPx: number) => {
    const data = new Float64Array(width * height).fill(1);
    addGaussianNoise(data, 0.01, createRandom(3));
    for (let i = 0; i < data.length; i++) data[i] += 0.05 * Math.cos(2 * Math.PI * cyclesPerPx * (i % width));
    return { width, height, data };
  };
  const check = (input: ReturnType<typeof striped>) =>
    realImageCheck('intensity', 'test', 'method', input, input, doubled(input), doubled(input), 1, () => input, 0);

  test('is measured at its finest scales, up to just below its Nyquist (0.5 cycles/px)', () => {
    // Stripes at 0.4 cycles/input px: structure HMI's pixels barely resolve, the scale the added detail grows from.
    expect(check(striped(0.4)).streakIndexInput).toBeGreaterThan(10);
    // Stripes at 0.05 cycles/px are coarse structure: outside the band, the noise there is isotropic.
    expect(check(striped(0.05)).streakIndexInput).toBeLessThan(1.5);
  });
});
