import { describe, expect, it } from 'vitest';
import { gaussians } from '@enhance/test-support';
import { BLOS_SCALE_GAUSS, normalisationScale, quietSunLevel } from './normalisation.js';

describe('quietSunLevel', () => {
  it('finds the level of a granulation patch (3.7 % contrast)', () => {
    const normal = gaussians(1);
    const data = Float32Array.from({ length: 200 * 200 }, () => 52_000 * (1 + 0.037 * normal()));
    expect(quietSunLevel(data) / 52_000).toBeCloseTo(1, 2);
  });

  it('ignores a sunspot covering a third of the patch', () => {
    const normal = gaussians(2);
    const data = Float32Array.from({ length: 150 * 150 }, (_, i) =>
      i % 3 === 0 ? 0.25 + 0.5 * Math.abs(normal()) * 0.3 : 1 + 0.037 * normal(),
    );
    expect(quietSunLevel(data)).toBeCloseTo(1, 2);
  });

  it('finds the inner-disk level of a limb-darkened full disk with NaN off-disk', () => {
    const size = 512;
    const radius = 240;
    const centre = 61_000;
    const normal = gaussians(3);
    const data = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const r2 = ((x - size / 2) ** 2 + (y - size / 2) ** 2) / radius ** 2;
        // Linear limb darkening with u = 0.6, typical of the visible continuum.
        data[y * size + x] = r2 >= 1 ? Number.NaN : centre * (1 - 0.6 * (1 - Math.sqrt(1 - r2))) * (1 + 0.03 * normal());
      }
    }
    expect(quietSunLevel(data) / centre).toBeGreaterThan(0.9);
    expect(quietSunLevel(data) / centre).toBeLessThan(1.02);
  });

  it('is NaN when no pixel is finite and positive', () => {
    expect(quietSunLevel(new Float32Array([Number.NaN, -1, 0]))).toBeNaN();
  });
});

describe('quietSunLevel with outliers', () => {
  it('is not thrown off by one hot pixel in a small image (which is its 99.9th percentile)', () => {
    const data = Float32Array.from({ length: 120 }, (_, i) => (i === 50 ? 3.4e38 : 1000 + (i % 17)));
    expect(quietSunLevel(data)).toBeGreaterThanOrEqual(1000);
    expect(quietSunLevel(data)).toBeLessThanOrEqual(1016);
  });
});

describe('normalisationScale', () => {
  const patch = Float32Array.from({ length: 64 }, (_, i) => 1000 + (i % 7));

  it('is 1000 G for magnetograms and the quiet-Sun level for intensity', () => {
    expect(normalisationScale('blos', patch)).toBe(BLOS_SCALE_GAUSS);
    expect(normalisationScale('intensity', patch)).toBeGreaterThan(1000);
    expect(normalisationScale('intensity', patch)).toBeLessThan(1007);
  });

  it('uses an explicit scale as given', () => {
    expect(normalisationScale('intensity', patch, 2.5)).toBe(2.5);
    expect(normalisationScale('blos', patch, 500)).toBe(500);
  });

  it.each([0, -3, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number])('rejects scale %s', (scale) => {
    expect(() => normalisationScale('intensity', patch, scale)).toThrow(
      /option scale = .* is invalid: expected 'auto' or a finite number > 0/,
    );
  });

  it('refuses a scale that overflows float32 on this image, either way, naming the file', () => {
    expect(() => normalisationScale('intensity', patch, 1e-300, 'tiny-scale.fits')).toThrow(
      /^tiny-scale\.fits: option scale = 1e-300 is invalid: this image's largest \|pixel\| 1006\.0 divided by 1\.0000e-300 is 1\.0060e\+303, beyond float32 \(3\.4028e\+38\): the network's input would be infinite$/,
    );
    expect(() => normalisationScale('blos', patch, 1e39)).toThrow(
      /option scale = 1e\+39 is invalid: the output, multiplied back by it, would overflow float32/,
    );
    // Just inside: 1006 / 3e-36 = 3.4e38 still fits.
    expect(normalisationScale('intensity', patch, 3e-36)).toBe(3e-36);
  });

  it('says an all-zero image is blank instead of asking for a scale', () => {
    const blank = new Float32Array(16);
    blank[3] = Number.NaN;
    expect(() => normalisationScale('intensity', blank, 'auto', 'blank.fits')).toThrow(
      'blank.fits: every finite pixel (15 of 16) is 0: the image is blank, nothing to enhance (no quiet-Sun level to divide by)',
    );
  });

  it('explains when intensity has no usable pixel', () => {
    expect(() => normalisationScale('intensity', new Float32Array([-5, Number.NaN]), 'auto', 'dark.fits')).toThrow(
      'dark.fits: cannot estimate the quiet-Sun level: the image has no finite positive pixel; give the scale explicitly',
    );
  });
});
