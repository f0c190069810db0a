import { describe, expect, it } from 'vitest';
import { evaluateLimbDarkening, fitLimbDarkening, muAt } from './limb-darkening.js';
import type { SolarDisk } from './solar-disk.js';
import { gaussians } from '@enhance/test-support';

/** Not a polynomial in μ, so the fit is tested on a shape it cannot reproduce exactly. */
const law = (mu: number) => 52_000 * (1 - 0.62 * (1 - mu ** 0.85) - 0.08 * (1 - mu) ** 2);

/**
 * A disk with 3.5% granulation noise, NaN off the limb, two sunspots (umbra 0.3, penumbra 0.75 of the
 * local level, 2% of the disk together) and bright faculae (×1.15) near the limb.
 */
function syntheticDisk(size: number, disk: SolarDisk): Float32Array {
  const normal = gaussians(7);
  const data = new Float32Array(size * size);
  const spots = [
    { x: disk.centreX + 30, y: disk.centreY - 20, r: 14 },
    { x: disk.centreX - 70, y: disk.centreY + 60, r: 10 },
  ];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const mu = muAt(disk, x, y);
      if (Number.isNaN(mu)) {
        data[y * size + x] = Number.NaN;
        continue;
      }
      let factor = 1 + 0.035 * normal();
      for (const spot of spots) {
        const d = Math.hypot(x - spot.x, y - spot.y);
        if (d < 0.45 * spot.r) factor *= 0.3;
        else if (d < spot.r) factor *= 0.75;
      }
      if (mu < 0.3 && (x + y) % 7 === 0) factor *= 1.15;
      data[y * size + x] = law(mu) * factor;
    }
  }
  return data;
}

describe('fitLimbDarkening', () => {
  const size = 320;
  const disk: SolarDisk = { centreX: 160.3, centreY: 158.6, radius: 150, from: 'test' };
  const data = syntheticDisk(size, disk);

  it("recovers a full disk's centre-to-limb profile within 0.5% from μ 0.1 to 1, spots and faculae left out", () => {
    const profile = fitLimbDarkening(data, size, size, disk)!;
    expect(profile.coefficients).toHaveLength(5);
    expect(profile.muMin).toBeLessThan(0.1);
    expect(profile.muMax).toBeGreaterThan(0.999);
    for (let mu = 0.1; mu <= 1; mu += 0.01) expect(Math.abs(evaluateLimbDarkening(profile, mu) / law(mu) - 1)).toBeLessThan(0.005);
    // The spots' share of the disk (≈2%) and the 3.5σ tail of the noise leave the fit; the faculae too.
    expect(profile.excludedFraction).toBeGreaterThan(0.015);
    expect(profile.excludedFraction).toBeLessThan(0.06);
  });

  it('fits a near-limb cut-out over its own range of μ, and clamps outside it', () => {
    // Columns 0–69 of the disk: μ from the limb to about 0.8.
    const width = 70;
    const cut = new Float32Array(width * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < width; x++) cut[y * width + x] = data[y * size + x];
    const profile = fitLimbDarkening(cut, width, size, disk)!;
    expect(profile.muMax).toBeLessThan(0.85);
    for (let mu = 0.1; mu <= profile.muMax; mu += 0.01)
      expect(Math.abs(evaluateLimbDarkening(profile, mu) / law(mu) - 1)).toBeLessThan(0.01);
    expect(evaluateLimbDarkening(profile, 1)).toBe(evaluateLimbDarkening(profile, profile.muMax));
    expect(evaluateLimbDarkening(profile, Number.NaN)).toBe(evaluateLimbDarkening(profile, profile.muMin));
  });

  it('is undefined without enough of the disk', () => {
    const blank = new Float32Array(size * size).fill(Number.NaN);
    expect(fitLimbDarkening(blank, size, size, disk)).toBeUndefined();
  });
});
