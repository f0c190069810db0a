import { describe, expect, it } from 'vitest';
import { errorOf, linearPixelToWorld } from '@enhance/test-support';
import { FitsHeader } from '../fits/fits-header.js';
import { superResolvedHeader } from './super-resolved-header.js';

const base = new FitsHeader([
  { key: 'NAXIS', value: 2 },
  { key: 'NAXIS1', value: 583 },
  { key: 'NAXIS2', value: 250 },
  { key: 'CRVAL1', value: 253.166748 },
  { key: 'CRVAL2', value: 10.8939 },
]);

const wcsVariants: Record<string, FitsHeader> = {
  'CDELT with CROTA2': base.with('CRPIX1', 292).with('CRPIX2', 125.5).with('CDELT1', 0.504).with('CDELT2', 0.504).with('CROTA2', 12.5),
  'CDELT with PC': base
    .with('CRPIX1', 2048.3)
    .with('CRPIX2', -15)
    .with('CDELT1', 0.6)
    .with('CDELT2', 0.5)
    .with('PC1_1', 0.98)
    .with('PC1_2', -0.2)
    .with('PC2_1', 0.2)
    .with('PC2_2', 0.98),
  'CD matrix': base
    .with('CRPIX1', 10)
    .with('CRPIX2', 20)
    .with('CD1_1', 0.03)
    .with('CD1_2', 0.001)
    .with('CD2_1', -0.002)
    .with('CD2_2', 0.03),
};

describe('superResolvedHeader', () => {
  for (const [name, header] of Object.entries(wcsVariants)) {
    for (const factor of [2, 3]) {
      it(`keeps every point of the sky where it was (${name}, ×${factor})`, () => {
        const fine = superResolvedHeader(header, factor, []);
        // A point at input pixel coordinate p lies at factor·(p − ½) + ½ in the finer grid.
        for (const [p1, p2] of [
          [1, 1],
          [0.5, 0.5],
          [583.5, 250.5],
          [17.25, 201.75],
          [292, 125.5],
        ]) {
          const before = linearPixelToWorld(header, p1, p2);
          const after = linearPixelToWorld(fine, factor * (p1 - 0.5) + 0.5, factor * (p2 - 0.5) + 0.5);
          expect(after[0]).toBeCloseTo(before[0], 10);
          expect(after[1]).toBeCloseTo(before[1], 10);
        }
        // The centres of the output pixels covering input pixel (1, 1) surround its centre symmetrically.
        if (factor === 2) {
          const centre = linearPixelToWorld(header, 1, 1);
          const a = linearPixelToWorld(fine, 1, 1);
          const b = linearPixelToWorld(fine, 2, 2);
          expect((a[0] + b[0]) / 2).toBeCloseTo(centre[0], 10);
          expect((a[1] + b[1]) / 2).toBeCloseTo(centre[1], 10);
        }
        expect(fine.get('NAXIS1')).toBe(583 * factor);
        expect(fine.get('NAXIS2')).toBe(250 * factor);
        expect(fine.get('CRVAL1')).toBe(253.166748);
        for (const key of ['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2', 'CROTA2']) expect(fine.get(key)).toBe(header.get(key));
      });
    }
  }

  it('computes CRPIX′ = 2·CRPIX − ½ and CDELT′ = CDELT/2 for the ×2 case', () => {
    const fine = superResolvedHeader(wcsVariants['CDELT with CROTA2']);
    expect(fine.get('CRPIX1')).toBe(583.5);
    expect(fine.get('CRPIX2')).toBe(250.5);
    expect(fine.get('CDELT1')).toBe(0.252);
  });

  it('updates alternate WCS and HMI pixel keywords, appends HISTORY and leaves the input alone', () => {
    const header = base
      .with('CRPIX1A', 100)
      .with('CDELT1A', 2)
      .with('R_SUN', 1900.5)
      .with('X0_MP', 2047.5)
      .with('IMSCL_MP', 0.504)
      .with('RSUN_OBS', 944.47);
    const fine = superResolvedHeader(header, 2, ['Enhance ×2 (intensity, full)', 'second line']);
    expect(fine.get('CRPIX1A')).toBe(199.5);
    expect(fine.get('CDELT1A')).toBe(1);
    expect(fine.get('R_SUN')).toBe(3801);
    expect(fine.get('X0_MP')).toBe(4095.5); // 0-based: pixel 0 of the input spans output pixels 0 and 1
    expect(fine.get('IMSCL_MP')).toBe(0.252);
    expect(fine.get('RSUN_OBS')).toBe(944.47);
    expect(fine.history()).toEqual(['Enhance x2 (intensity, full)', 'second line']);
    expect(header.get('NAXIS1')).toBe(583);
    expect(header.history()).toEqual([]);
  });

  it('rejects a factor that is not a positive integer', () => {
    for (const factor of [0, 1.5, -2]) {
      expect(errorOf(() => superResolvedHeader(base, factor)).code).toBe('FITS_BAD_HEADER');
    }
  });
});
