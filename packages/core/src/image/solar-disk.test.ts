import { describe, expect, it } from 'vitest';
import { FitsHeader } from '../fits/fits-header.js';
import { isSolarDisk, solarDiskFromHeader } from './solar-disk.js';
import type { SolarDisk } from './solar-disk.js';

const header = (cards: Record<string, number | string>) => new FitsHeader(Object.entries(cards).map(([key, value]) => ({ key, value })));

/**
 * Pixel → helioprojective arcsec written out from the FITS standard (paper II, eq. 1 and the CROTA2
 * form of PCi_j), independently of the code under test: 1-based pixels p.
 */
function worldOf(cards: Record<string, number>, p1: number, p2: number): [number, number] {
  const rho = ((cards.CROTA2 ?? 0) * Math.PI) / 180;
  const d1 = p1 - cards.CRPIX1;
  const d2 = p2 - cards.CRPIX2;
  const pc = [Math.cos(rho), -Math.sin(rho) * (cards.CDELT2 / cards.CDELT1), Math.sin(rho) * (cards.CDELT1 / cards.CDELT2), Math.cos(rho)];
  return [cards.CRVAL1 + cards.CDELT1 * (pc[0] * d1 + pc[1] * d2), cards.CRVAL2 + cards.CDELT2 * (pc[2] * d1 + pc[3] * d2)];
}

function disk(value: ReturnType<typeof solarDiskFromHeader>): SolarDisk {
  if (!isSolarDisk(value)) throw new Error(value.reason);
  return value;
}

describe('solarDiskFromHeader', () => {
  it("finds an HMI full-disk frame's centre where the world coordinates are (0, 0), CROTA2 ≈ 180°", () => {
    // HMI level-1 keywords (the camera is upside down, CROTA2 ≈ 180°), with the Sun off the reference pixel.
    const cards = {
      CRPIX1: 2048.5,
      CRPIX2: 2048.5,
      CRVAL1: 12.3,
      CRVAL2: -40.1,
      CDELT1: 0.504295,
      CDELT2: 0.504295,
      CROTA2: 179.93,
      RSUN_OBS: 951.2,
    };
    const found = disk(
      solarDiskFromHeader(header({ CTYPE1: 'HPLN-TAN', CTYPE2: 'HPLT-TAN', CUNIT1: 'arcsec', CUNIT2: 'arcsec', ...cards })),
    );
    const [wx, wy] = worldOf(cards, found.centreX + 1, found.centreY + 1);
    expect(Math.abs(wx)).toBeLessThan(1e-9);
    expect(Math.abs(wy)).toBeLessThan(1e-9);
    expect(found.radius).toBeCloseTo(951.2 / 0.504295, 9);
    expect(found.from).toBe('CRPIX/CRVAL/CDELT/CROTA2, RSUN_OBS');
  });

  it('reads CDi_j matrices, degrees, and R_SUN or RSUN_REF/DSUN_OBS for the radius', () => {
    const scale = 0.6 / 3600;
    const withCd = disk(
      solarDiskFromHeader(
        header({
          CTYPE1: 'HPLN-TAN',
          CTYPE2: 'HPLT-TAN',
          CUNIT1: 'deg',
          CUNIT2: 'deg',
          CRPIX1: 100,
          CRPIX2: 50,
          CRVAL1: 30 * scale,
          CRVAL2: 0,
          CD1_1: scale,
          CD1_2: 0,
          CD2_1: 0,
          CD2_2: scale,
          R_SUN: 1600,
        }),
      ),
    );
    // 30 pixels' worth of arcsec east of the reference pixel means the centre is 30 pixels west of it.
    expect(withCd.centreX).toBeCloseTo(99 - 30, 9);
    expect(withCd.centreY).toBeCloseTo(49, 9);
    expect(withCd.radius).toBe(1600);
    const fromDistance = disk(
      solarDiskFromHeader(
        header({
          CTYPE1: 'HPLN-TAN',
          CTYPE2: 'HPLT-TAN',
          CRPIX1: 10,
          CRPIX2: 10,
          CRVAL1: 0,
          CRVAL2: 0,
          CDELT1: 0.5,
          CDELT2: 0.5,
          RSUN_REF: 696e6,
          DSUN_OBS: 1.496e11,
        }),
      ),
    );
    expect(fromDistance.radius).toBeCloseTo((Math.asin(696e6 / 1.496e11) * 206264.80624709636) / 0.5, 6);
  });

  it('says why when the header does not place the disk', () => {
    const reason = (cards: Record<string, number | string>) => {
      const found = solarDiskFromHeader(header(cards));
      return isSolarDisk(found) ? 'found' : found.reason;
    };
    expect(reason({ CTYPE1: 'CRLN-CEA', CTYPE2: 'CRLT-CEA', CRPIX1: 1, CRPIX2: 1, CDELT1: 0.03, CDELT2: 0.03, RSUN_OBS: 950 })).toMatch(
      /not helioprojective/,
    );
    expect(reason({})).toBe('no CRPIX1/CRPIX2');
    expect(reason({ CRPIX1: 1, CRPIX2: 1, CDELT1: 0.5, CDELT2: 0.5 })).toMatch(/no solar radius/);
    expect(reason({ CTYPE1: 'HPLN-TAN', CTYPE2: 'HPLT-TAN', CRPIX1: 1, CRPIX2: 1, RSUN_OBS: 950 })).toMatch(/no CDELT1\/CDELT2/);
    expect(
      reason({
        CTYPE1: 'HPLN-TAN',
        CTYPE2: 'HPLT-TAN',
        CUNIT1: 'm',
        CUNIT2: 'm',
        CRPIX1: 1,
        CRPIX2: 1,
        CDELT1: 1,
        CDELT2: 1,
        RSUN_OBS: 950,
      }),
    ).toMatch(/not an angle/);
    // Without CTYPE, HMI's radius keywords vouch for a helioprojective grid; RSUN_REF alone does not.
    expect(reason({ CRPIX1: 1, CRPIX2: 1, CDELT1: 0.5, CDELT2: 0.5, RSUN_REF: 696e6, DSUN_OBS: 1.5e11 })).toMatch(
      /not known to be helioprojective/,
    );
    expect(reason({ CRPIX1: 1, CRPIX2: 1, CDELT1: 0.5, CDELT2: 0.5, R_SUN: 1900 })).toBe('found');
  });
});
