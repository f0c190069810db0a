import { describe, expect, it } from 'vitest';
import { FitsHeader } from '../fits/fits-header.js';
import { multiplyByLimbLevel, normaliseForNetwork, planLimbNormalisation } from './limb-normalisation.js';
import type { LimbNormalisation } from './limb-normalisation.js';

/** A full disk of radius 60 px centred on FITS pixel (70.5, 68), linear limb darkening u = 0.6, NaN off the disk. */
const size = 140;
const centre = { x: 69.5, y: 67 };
const radius = 60;
const level = (x: number, y: number) => {
  const r2 = ((x - centre.x) ** 2 + (y - centre.y) ** 2) / radius ** 2;
  return r2 >= 1 ? Number.NaN : 40_000 * (1 - 0.6 * (1 - Math.sqrt(1 - r2)));
};
const data = Float32Array.from({ length: size * size }, (_, i) => level(i % size, Math.floor(i / size)) * (1 + 0.03 * Math.sin(i * 1.7)));
const header = new FitsHeader([
  { key: 'CTYPE1', value: 'HPLN-TAN' },
  { key: 'CTYPE2', value: 'HPLT-TAN' },
  { key: 'CRPIX1', value: centre.x + 1 },
  { key: 'CRPIX2', value: centre.y + 1 },
  { key: 'CRVAL1', value: 0 },
  { key: 'CRVAL2', value: 0 },
  { key: 'CDELT1', value: 0.5 },
  { key: 'CDELT2', value: 0.5 },
  { key: 'RSUN_OBS', value: radius * 0.5 },
]);
const image = { data, width: size, height: size, header };

function applied(): LimbNormalisation {
  const outcome = planLimbNormalisation('auto', 'intensity', image, 'auto');
  if (!outcome.applied) throw new Error(outcome.reason);
  return outcome.limb;
}

describe('planLimbNormalisation', () => {
  it('applies to a continuum disk placed by its header, and feeds the network quiet Sun ≈ 1 from centre to limb', () => {
    const limb = applied();
    expect(limb.disk.radius).toBeCloseTo(radius, 9);
    expect(limb.centreLevel / 40_000).toBeCloseTo(1, 2);
    const normalised = normaliseForNetwork(data, size, size, 1, limb, 0);
    for (const [x, y] of [
      [centre.x, centre.y],
      [centre.x + 50, centre.y],
      [centre.x, centre.y - 57],
    ]) {
      const i = Math.round(y) * size + Math.round(x);
      expect(normalised[i] / (1 + 0.03 * Math.sin(i * 1.7))).toBeCloseTo(1, 2);
    }
    // Off the disk: the fill value.
    expect(normalised[0]).toBe(0);
  });

  it('multiplies each output pixel by the level at its centre on the input grid', () => {
    const limb = applied();
    const out = new Float32Array(4 * size * size).fill(1);
    multiplyByLimbLevel(out, 2 * size, 2 * size, limb, 2);
    // Output pixel (2x + 1, 2y + 1) is centred at input position (x + ¼, y + ¼).
    const x = 100;
    const y = 80;
    const mu = Math.sqrt(1 - ((x + 0.25 - centre.x) ** 2 + (y + 0.25 - centre.y) ** 2) / radius ** 2);
    expect(out[(2 * y + 1) * 2 * size + 2 * x + 1] / (40_000 * (1 - 0.6 * (1 - mu)))).toBeCloseTo(1, 2);
  });

  it('leaves magnetograms, explicit scales, header-less images and disk-centre cut-outs alone, saying why', () => {
    const reason = (outcome: ReturnType<typeof planLimbNormalisation>) => (outcome.applied ? 'applied' : outcome.reason);
    expect(reason(planLimbNormalisation('auto', 'blos', image, 'auto'))).toMatch(/magnetograms/);
    expect(reason(planLimbNormalisation('auto', 'intensity', image, 41_000))).toBe('an explicit scale (41000) was given');
    expect(reason(planLimbNormalisation('auto', 'intensity', { data, width: size, height: size }, 'auto'))).toMatch(/no header/);
    expect(reason(planLimbNormalisation('off', 'intensity', image, 'auto'))).toBe("limbNormalisation is 'off'");
    // The central 20×20 pixels: μ > 0.97, the profile changes by about 1%.
    const cut = new Float32Array(400);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) cut[y * 20 + x] = data[(58 + y) * size + 60 + x];
    const cutHeader = header.with('CRPIX1', centre.x + 1 - 60).with('CRPIX2', centre.y + 1 - 58);
    expect(reason(planLimbNormalisation('auto', 'intensity', { data: cut, width: 20, height: 20, header: cutHeader }, 'auto'))).toMatch(
      /changes by 0\.\d% over the image/,
    );
  });

  it("throws for 'on' when it cannot apply, and for unknown values", () => {
    expect(() => planLimbNormalisation('on', 'intensity', { data, width: size, height: size }, 'auto')).toThrow(
      "option limbNormalisation = 'on' cannot be applied: the image has no header to place the solar disk",
    );
    expect(() => planLimbNormalisation('sometimes' as never, 'intensity', image, 'auto')).toThrow(/expected 'auto' \| 'on' \| 'off'/);
  });
});
