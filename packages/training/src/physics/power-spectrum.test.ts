import { describe, expect, it } from 'vitest';
import { azimuthalPowerSpectrum, logPowerRmsDifference } from './power-spectrum.js';

function sinusoid(width: number, height: number, fx: number, fy: number) {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 10 + Math.sin(2 * Math.PI * (fx * x + fy * y));
  return { width, height, data };
}

describe('azimuthalPowerSpectrum', () => {
  it.each([
    { fx: 0.1, fy: 0 },
    { fx: 0.15, fy: 0.2 },
    { fx: 0, fy: 0.35 },
  ])('a sinusoid of frequency ($fx, $fy) peaks at its radial frequency', ({ fx, fy }) => {
    const spectrum = azimuthalPowerSpectrum(sinusoid(80, 80, fx, fy), { window: 'hann' });
    let best = 0;
    for (let i = 1; i < spectrum.power.length; i++) if (spectrum.power[i] > spectrum.power[best]) best = i;
    expect(spectrum.frequency[best]).toBeCloseTo(Math.hypot(fx, fy), 1);
    expect(Math.abs(spectrum.frequency[best] - Math.hypot(fx, fy))).toBeLessThanOrEqual(1 / 80);
  });

  it("obeys Parseval's theorem without a window", () => {
    const image = sinusoid(40, 40, 0.25, 0);
    const spectrum = azimuthalPowerSpectrum(image, { window: 'none', normalise: 'none' });
    // A unit sinusoid puts |F|²/N = N/4 = 400 at ±0.25 px⁻¹: the ring's mean times its size is 800.
    const bin = spectrum.frequency.findIndex((f) => Math.abs(f - 0.25) < 1e-9);
    const ringCount = Array.from({ length: 1600 }, (_, i) => {
      const fx = (i % 40 <= 20 ? i % 40 : (i % 40) - 40) / 40;
      const fy = (Math.floor(i / 40) <= 20 ? Math.floor(i / 40) : Math.floor(i / 40) - 40) / 40;
      return Math.round(Math.hypot(fx, fy) * 40) === 10 ? 1 : 0;
    }).reduce((a: number, b: number) => a + b, 0);
    expect(spectrum.power[bin] * ringCount).toBeCloseTo(2 * 400, 6);
  });

  it('measures the agreement of two spectra as an RMS log ratio', () => {
    const a = { frequency: Float64Array.from([0.1, 0.2, 0.3]), power: Float64Array.from([10, 100, 1000]) };
    const b = { frequency: Float64Array.from([0.1, 0.2, 0.3]), power: Float64Array.from([1, 100, 100]) };
    expect(logPowerRmsDifference(a, b, 0.05, 0.45)).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(logPowerRmsDifference(a, a, 0, 1)).toBe(0);
  });
});
