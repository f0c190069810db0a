import { describe, expect, it } from 'vitest';
import { AIRY_28CM, HMI_PSF_PAPER, HMI_PSF_WACHTER, encircledEnergy, psfValue, radiusForEnergy } from './psf.js';
import { samplePsfKernel } from './psf-kernel.js';
import { PhysicsError } from './physics-error.js';

// Independent float64 reference: a plain trapezoid on r of 2π r PSF(r), r in arcsec.
function encircledByQuadrature(model: typeof HMI_PSF_PAPER, radius: number, total: number): number {
  const steps = 200_000;
  const h = radius / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const r = i * h;
    sum += (i === 0 || i === steps ? 0.5 : 1) * 2 * Math.PI * r * psfValue(model, r);
  }
  return (sum * h) / total;
}

describe('PSF models', () => {
  it('evaluates eq. 6 at the centre and in the wing', () => {
    expect(psfValue(HMI_PSF_PAPER, 0)).toBeCloseTo(1, 12);
    // r = π D θ / λ = W  at θ = W λ / (π D): the wing term is then ε/2.
    const thetaAtW = ((3.4 * 6173e-10) / (Math.PI * 0.14)) * (180 / Math.PI) * 3600;
    expect(psfValue(HMI_PSF_PAPER, thetaAtW)).toBeCloseTo(0.9 * Math.exp(-((3.4 / 2) ** 2)) + 0.05, 10);
    // Airy first dark ring at 1.22 λ/D ≈ 0.5548" for 28 cm at 6173 Å.
    expect(psfValue(AIRY_28CM, 1.2196698 * (6173e-10 / 0.28) * 206264.806)).toBeLessThan(1e-12);
  });

  it('encircled energy agrees with a direct quadrature', () => {
    // Total HMI energy in arcsec² units: normalise by a quadrature to a radius where the analytic tail is known.
    const far = 2000;
    const tailWing =
      (0.1 * 2 * Math.PI * 3.4 ** 3) / ((Math.PI * 0.14) / 6173e-10 / 206264.806) ** 2 / ((far * Math.PI * 0.14) / 6173e-10 / 206264.806);
    const near = encircledByQuadrature(HMI_PSF_PAPER, far, 1);
    const total = near + tailWing;
    for (const radius of [0.5, 1, 3, 10]) {
      expect(encircledEnergy(HMI_PSF_PAPER, radius)).toBeCloseTo(encircledByQuadrature(HMI_PSF_PAPER, radius, total), 4);
    }
    // Rayleigh: 83.8% of the Airy energy inside the first dark ring.
    expect(encircledEnergy(AIRY_28CM, 0.5548)).toBeCloseTo(0.838, 3);
    expect(radiusForEnergy(HMI_PSF_PAPER, 0.9)).toBeGreaterThan(radiusForEnergy(HMI_PSF_WACHTER, 0.9));
  });
});

describe('samplePsfKernel', () => {
  it.each([
    { name: 'HMI (paper)', model: HMI_PSF_PAPER, scale: 0.504 },
    { name: 'HMI (Wachter)', model: HMI_PSF_WACHTER, scale: 0.252 },
    { name: 'Airy 28 cm', model: AIRY_28CM, scale: 0.0662 },
  ])('$name kernel has unit sum and the 8 symmetries of the square', ({ model, scale }) => {
    const kernel = samplePsfKernel(model, { pixelScaleArcsec: scale, energyFraction: 0.95 });
    const { width: n, data } = kernel;
    expect(n % 2).toBe(1);
    expect(data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const c = (n - 1) / 2;
    let peak = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const v = data[y * n + x];
        peak = Math.max(peak, v);
        expect(data[y * n + (n - 1 - x)]).toBe(v);
        expect(data[(n - 1 - y) * n + x]).toBe(v);
        expect(data[x * n + y]).toBe(v);
      }
    }
    expect(data[c * n + c]).toBe(peak);
    expect(kernel.enclosedEnergy).toBeGreaterThanOrEqual(0.95 - 1e-6);
  });

  it('averages the PSF over each pixel area', () => {
    const scale = 0.3;
    const kernel = samplePsfKernel(AIRY_28CM, { pixelScaleArcsec: scale, energyFraction: 0.99, subsamples: 9 });
    const fine = samplePsfKernel(AIRY_28CM, { pixelScaleArcsec: scale, energyFraction: 0.99, subsamples: 41 });
    const centre = kernel.radiusPx * kernel.width + kernel.radiusPx;
    // Sampling the peak alone would overestimate the central pixel's share by far more than this.
    expect(Math.abs(kernel.data[centre] / fine.data[centre] - 1)).toBeLessThan(0.005);
    const pointSampled = samplePsfKernel(AIRY_28CM, { pixelScaleArcsec: scale, energyFraction: 0.99, subsamples: 1 });
    expect(pointSampled.data[centre] - fine.data[centre]).toBeGreaterThan(0.02);
  });

  it('rejects a non-positive pixel scale, naming it', () => {
    expect(() => samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0 })).toThrow(PhysicsError);
    expect(() => samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: -1 })).toThrow(/-1"\/px/);
  });
});
