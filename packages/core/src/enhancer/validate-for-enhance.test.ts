import { describe, expect, it } from 'vitest';
import { validateForEnhance } from './validate-for-enhance.js';
import { errorOf } from '@enhance/test-support';

describe('validateForEnhance', () => {
  it('counts the NaN and infinite pixels of a usable image', () => {
    const data = Float32Array.from([1, NaN, 3, NaN, 5, 6]);
    expect(validateForEnhance({ data, width: 3, height: 2 })).toEqual({ nanCount: 2 });
    expect(validateForEnhance({ data: new Float32Array(4), width: 2, height: 2 })).toEqual({ nanCount: 0 });
    expect(validateForEnhance({ data: Float32Array.from([Infinity, 1, -Infinity, 2]), width: 2, height: 2 })).toEqual({ nanCount: 2 });
  });

  it('rejects images smaller than 2×2, with their size', () => {
    const error = errorOf(() => validateForEnhance({ data: new Float32Array(5), width: 1, height: 5 }, 'strip.fits'));
    expect(error.code).toBe('IMAGE_TOO_SMALL');
    expect(error.message).toBe("strip.fits: a 1×5 image is too small: the network's reflect padding needs at least 2×2 pixels");
    expect(errorOf(() => validateForEnhance({ data: new Float32Array(3), width: 3, height: 1 })).code).toBe('IMAGE_TOO_SMALL');
  });

  it('rejects an image with no finite pixel', () => {
    const error = errorOf(() => validateForEnhance({ data: new Float32Array(6).fill(NaN), width: 3, height: 2 }, 'limb.fits'));
    expect(error.code).toBe('IMAGE_ALL_NAN');
    expect(error.message).toBe('limb.fits: every pixel of the 3×2 image is NaN or infinite (off-disk or blank): nothing to enhance');
  });
});
