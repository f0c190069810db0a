import { describe, expect, it } from 'vitest';
import { validateForEnhance } from './validate-for-enhance.js';
import { errorOf } from '../../../../test/fits-support/error-of.js';

describe('validateForEnhance', () => {
  it('counts NaN pixels of a usable image', () => {
    const data = Float32Array.from([1, NaN, 3, NaN, 5, 6]);
    expect(validateForEnhance({ data, width: 3, height: 2 })).toEqual({ nanCount: 2 });
    expect(validateForEnhance({ data: new Float32Array(4), width: 2, height: 2 })).toEqual({ nanCount: 0 });
  });

  it('rejects images smaller than 2×2, with their size', () => {
    const error = errorOf(() => validateForEnhance({ data: new Float32Array(5), width: 1, height: 5 }, 'strip.fits'));
    expect(error.code).toBe('FITS_TOO_SMALL');
    expect(error.message).toBe('strip.fits: image is 1×5 pixels: Enhance needs at least 2×2');
    expect(errorOf(() => validateForEnhance({ data: new Float32Array(3), width: 3, height: 1 })).code).toBe('FITS_TOO_SMALL');
  });

  it('rejects an image with no finite pixel', () => {
    const error = errorOf(() => validateForEnhance({ data: new Float32Array(6).fill(NaN), width: 3, height: 2 }, 'limb.fits'));
    expect(error.code).toBe('FITS_ALL_NAN');
    expect(error.message).toBe('limb.fits: all 6 pixels of the 3×2 image are NaN (off-disk or blank): nothing to enhance');
  });
});
