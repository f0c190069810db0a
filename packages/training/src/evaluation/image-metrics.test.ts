import { describe, expect, it } from 'vitest';
import { fieldGain, psnr, relativeRmsError, rmsContrast, unsignedFlux } from './image-metrics.js';

const plane = (values: number[], width = values.length) => ({ width, height: values.length / width, data: Float64Array.from(values) });

describe('image metrics', () => {
  it('relative RMS error and PSNR follow their definitions', () => {
    const target = plane([0, 1, 2, 3]);
    const output = plane([0, 1, 2, 4]);
    expect(relativeRmsError(output, target)).toBeCloseTo(Math.sqrt(1 / 14), 12);
    // range 3, MSE 1/4: 10 log10(9 · 4).
    expect(psnr(output, target)).toBeCloseTo(10 * Math.log10(36), 12);
    expect(relativeRmsError(target, target)).toBe(0);
    expect(() => psnr(plane([1, 2]), target)).toThrow(/2×1 against 4×1/);
  });

  it('contrast ignores NaN; flux scales with pixel area', () => {
    expect(rmsContrast(plane([0.9, 1.1, Number.NaN, 1.1, 0.9]))).toBeCloseTo(0.1, 12);
    expect(unsignedFlux(plane([-1, 2, Number.NaN, 0]), 0.5)).toBeCloseTo(0.75, 12);
  });

  it('field gain is the median output/input ratio inside the band', () => {
    const input = plane([1, -1, 0.95, 0.2, 3]);
    const output = plane([1.3, -1.4, 1.33, 5, 9]);
    const { gain, pixels } = fieldGain(output, input, 0.9, 1.1);
    expect(pixels).toBe(3);
    expect(gain).toBeCloseTo(1.4, 12);
  });
});
