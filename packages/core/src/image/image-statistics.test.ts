import { describe, expect, it } from 'vitest';
import { FitsHeader } from '../fits/fits-header.js';
import { rmsContrast, totalUnsignedFlux } from './image-statistics.js';

describe('rmsContrast', () => {
  it('is the population σ over the mean of the finite pixels, as a one-pass float64 sum gives it', () => {
    const values = [0.9, 1.1, 1.05, 0.95, 1.2, 0.8];
    const data = Float32Array.from([...values, Number.NaN, Number.POSITIVE_INFINITY]);
    const asFloat32 = values.map((v) => Math.fround(v));
    const n = asFloat32.length;
    const mean = asFloat32.reduce((a, b) => a + b, 0) / n;
    const variance = asFloat32.reduce((a, b) => a + b * b, 0) / n - mean * mean;
    expect(rmsContrast({ data, width: 4, height: 2 })).toBeCloseTo(Math.sqrt(variance) / mean, 12);
  });

  it('is 0 for a flat image and NaN when nothing is finite', () => {
    expect(rmsContrast({ data: new Float32Array(9).fill(3), width: 3, height: 3 })).toBe(0);
    expect(rmsContrast({ data: new Float32Array(4).fill(Number.NaN), width: 2, height: 2 })).toBeNaN();
  });
});

describe('totalUnsignedFlux', () => {
  it('sums |B| over finite pixels; a 2× image counts each pixel as a quarter of an input pixel', () => {
    const input = { data: Float32Array.from([100, -200, Number.NaN, 50]), width: 2, height: 2 };
    expect(totalUnsignedFlux(input)).toEqual({ gaussReferencePixels: 350, maxwell: undefined });
    // The nearest-neighbour ×2 copy of the input carries the same flux.
    const doubled = new Float32Array(16);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) doubled[y * 4 + x] = input.data[(y >> 1) * 2 + (x >> 1)];
    expect(totalUnsignedFlux({ data: doubled, width: 4, height: 4 }, 2).gaussReferencePixels).toBeCloseTo(350, 10);
  });

  it('gives maxwell from CDELT in arcsec and DSUN_OBS', () => {
    const header = new FitsHeader()
      .with('CUNIT1', 'arcsec')
      .with('CUNIT2', 'arcsec')
      .with('CDELT1', 0.5)
      .with('CDELT2', 0.5)
      .with('DSUN_OBS', 1.5e11);
    const image = { data: Float32Array.from([1000, -1000]), width: 2, height: 1, header };
    // 0.5" at 1.5e11 m is 0.5 / 206264.806 rad × 1.5e13 cm = 3.636e7 cm.
    const side = (0.5 / 206264.80624709636) * 1.5e13;
    expect(totalUnsignedFlux(image).maxwell! / (2000 * side * side)).toBeCloseTo(1, 12);
    const degrees = new FitsHeader().with('CUNIT1', 'deg').with('CUNIT2', 'deg').with('CDELT1', 0.03).with('CDELT2', 0.03);
    expect(totalUnsignedFlux({ ...image, header: degrees }).maxwell).toBeUndefined();
  });
});
