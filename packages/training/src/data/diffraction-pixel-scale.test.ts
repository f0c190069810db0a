import { describe, expect, it } from 'vitest';
import { createRandom, gaussianDeviate } from '@enhance/graph-builder';
import { fft2d } from '../physics/fft.js';
import { estimateDiffractionPixelScale } from './diffraction-pixel-scale.js';

// Signal with power ∝ f⁻² below a sharp cut-off, plus white noise far below it: the estimator must
// find the cut-off and turn it into arcsec per pixel through D/λ.
function bandLimitedImage(n: number, cutoff: number, seed: number): { width: number; height: number; data: Float64Array } {
  const random = createRandom(seed);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const f = Math.hypot((x <= n / 2 ? x : x - n) / n, (y <= n / 2 ? y : y - n) / n);
      if (f === 0 || f > cutoff) continue;
      re[y * n + x] = gaussianDeviate(random) / f;
      im[y * n + x] = gaussianDeviate(random) / f;
    }
  fft2d(re, im, n, n, true);
  const scale = 1 / Math.sqrt(re.reduce((a, v) => a + v * v, 0) / re.length);
  return { width: n, height: n, data: re.map((v) => v * scale + 0.01 * gaussianDeviate(random)) };
}

describe('estimateDiffractionPixelScale', () => {
  it.each([0.25, 0.35])('finds a cut-off at %f px⁻¹ and the pixel scale it implies', (cutoff) => {
    const estimate = estimateDiffractionPixelScale(bandLimitedImage(128, cutoff, 1), { apertureM: 1.6, wavelengthM: 1.56e-6 });
    expect(estimate.diffractionCutoffPerArcsec).toBeCloseTo(1.6 / 1.56e-6 / 206264.806, 6);
    // The Hann window's leakage past a sharp edge with 60 dB of contrast costs up to 3 rings of 1/128.
    expect(estimate.signalCutoffPerPixel).toBeGreaterThanOrEqual(cutoff);
    expect(estimate.signalCutoffPerPixel - cutoff).toBeLessThanOrEqual(3.5 / 128);
    expect(estimate.minimumPixelScaleArcsec).toBeCloseTo(estimate.signalCutoffPerPixel / estimate.diffractionCutoffPerArcsec, 12);
  });
});
