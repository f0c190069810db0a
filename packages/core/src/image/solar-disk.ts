import type { FitsHeader } from '../fits/fits-header.js';

/**
 * Where the solar disk lies on an image's pixel grid. Pixel coordinates are 0-based here (FITS pixel
 * p is index p − 1), so pixel (x, y) of data[y·width + x] is at distance hypot(x − centreX, y − centreY)
 * from the disk centre.
 */
export interface SolarDisk {
  readonly centreX: number;
  readonly centreY: number;
  /** The disk's radius in pixels. */
  readonly radius: number;
  /** Which header keywords gave it, e.g. 'CRPIX/CRVAL/CDELT/CROTA2, RSUN_OBS'. */
  readonly from: string;
}

const ARCSEC_PER_UNIT: Readonly<Record<string, number>> = Object.freeze({
  arcsec: 1,
  deg: 3600,
  arcmin: 60,
  rad: (180 * 3600) / Math.PI,
  mas: 1e-3,
});

/**
 * The disk in an image with helioprojective world coordinates (CTYPE HPLN/HPLT, as HMI's full-disk
 * files and their cut-outs have, or no CTYPE with HMI's keywords): the centre is where the world
 * coordinates are (0, 0) — CRVAL, CRPIX and the linear transform (CDi_j, PCi_j with CDELTi, or CDELTi
 * with CROTA2) inverted; TAN's distortion is below 2·10⁻⁵ of the radius on the disk and is ignored —
 * and the radius is RSUN_OBS (arcsec) over the pixel scale, else R_SUN (pixels), else RSUN_REF and
 * DSUN_OBS (metres). Undefined, with why, when the header cannot tell (heliographic maps such as
 * SHARP's CEA cut-outs have no disk on their grid).
 */
export function solarDiskFromHeader(header: FitsHeader): SolarDisk | { readonly reason: string } {
  const ctype1 = (header.getString('CTYPE1') ?? '').trim().toUpperCase();
  const ctype2 = (header.getString('CTYPE2') ?? '').trim().toUpperCase();
  const helioprojective = ctype1.startsWith('HPLN') && ctype2.startsWith('HPLT');
  if (!helioprojective && (ctype1 !== '' || ctype2 !== '')) {
    return { reason: `CTYPE1/2 = '${ctype1}'/'${ctype2}' are not helioprojective (HPLN/HPLT): no solar disk on this grid` };
  }
  const crpix1 = header.getNumber('CRPIX1');
  const crpix2 = header.getNumber('CRPIX2');
  if (crpix1 === undefined || crpix2 === undefined) return { reason: 'no CRPIX1/CRPIX2' };
  const units = [1, 2].map((axis) => (header.getString(`CUNIT${axis}`) ?? 'arcsec').trim().toLowerCase());
  const perUnit = units.map((unit) => ARCSEC_PER_UNIT[unit]);
  if (perUnit.some((factor) => factor === undefined)) return { reason: `CUNIT1/2 = '${units[0]}'/'${units[1]}': not an angle` };
  const matrix = linearTransform(header);
  if ('reason' in matrix) return matrix;
  // World offsets in arcsec per pixel offset: M · (p − CRPIX).
  const [m11, m12, m21, m22] = [matrix.m[0] * perUnit[0], matrix.m[1] * perUnit[0], matrix.m[2] * perUnit[1], matrix.m[3] * perUnit[1]];
  const determinant = m11 * m22 - m12 * m21;
  if (!(Math.abs(determinant) > 0) || !Number.isFinite(determinant))
    return { reason: `the pixel-to-world matrix (${matrix.from}) is singular` };
  const crval1 = (header.getNumber('CRVAL1') ?? 0) * perUnit[0];
  const crval2 = (header.getNumber('CRVAL2') ?? 0) * perUnit[1];
  // Solve M · d = (0 − CRVAL) for the pixel offset d of the disk centre.
  const dx = (-crval1 * m22 + crval2 * m12) / determinant;
  const dy = (-m11 * crval2 + m21 * crval1) / determinant;
  const arcsecPerPixel = Math.sqrt(Math.abs(determinant));
  let radius: number | undefined;
  let radiusFrom: string;
  const rsunObs = header.getNumber('RSUN_OBS');
  const rSun = header.getNumber('R_SUN');
  const rsunRef = header.getNumber('RSUN_REF');
  const dsunObs = header.getNumber('DSUN_OBS');
  if (rsunObs !== undefined && rsunObs > 0) {
    radius = rsunObs / arcsecPerPixel;
    radiusFrom = 'RSUN_OBS';
  } else if (rSun !== undefined && rSun > 0) {
    radius = rSun;
    radiusFrom = 'R_SUN';
  } else if (rsunRef !== undefined && dsunObs !== undefined && dsunObs > rsunRef && rsunRef > 0) {
    radius = (Math.asin(rsunRef / dsunObs) * 180 * 3600) / Math.PI / arcsecPerPixel;
    radiusFrom = 'RSUN_REF/DSUN_OBS';
  } else {
    return { reason: 'no solar radius (RSUN_OBS, R_SUN, or RSUN_REF with DSUN_OBS)' };
  }
  if (!helioprojective && rsunObs === undefined && rSun === undefined) {
    return { reason: 'no CTYPE1/2 and no HMI radius keyword (RSUN_OBS or R_SUN): the grid is not known to be helioprojective' };
  }
  return { centreX: crpix1 - 1 + dx, centreY: crpix2 - 1 + dy, radius, from: `CRPIX/CRVAL/${matrix.from}, ${radiusFrom}` };
}

export function isSolarDisk(value: SolarDisk | { readonly reason: string }): value is SolarDisk {
  return !('reason' in value);
}

/** The matrix M (row-major, world units per pixel) of w − CRVAL = M · (p − CRPIX). */
function linearTransform(header: FitsHeader): { m: [number, number, number, number]; from: string } | { reason: string } {
  const cd = ['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'].map((key) => header.getNumber(key));
  if (cd.some((value) => value !== undefined)) {
    return { m: cd.map((value) => value ?? 0) as [number, number, number, number], from: 'CDi_j' };
  }
  const cdelt1 = header.getNumber('CDELT1');
  const cdelt2 = header.getNumber('CDELT2');
  if (cdelt1 === undefined || cdelt2 === undefined) return { reason: 'no CDELT1/CDELT2 (or CDi_j)' };
  const pc = ['PC1_1', 'PC1_2', 'PC2_1', 'PC2_2'].map((key) => header.getNumber(key));
  if (pc.some((value) => value !== undefined)) {
    const [p11 = 1, p12 = 0, p21 = 0, p22 = 1] = pc;
    return { m: [cdelt1 * p11, cdelt1 * p12, cdelt2 * p21, cdelt2 * p22], from: 'CDELT/PCi_j' };
  }
  const rotation = ((header.getNumber('CROTA2') ?? 0) * Math.PI) / 180;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  // The CROTA2 convention (Calabretta & Greisen 2002, eq. 189).
  return {
    m: [cdelt1 * cos, -cdelt2 * sin, cdelt1 * sin, cdelt2 * cos],
    from: header.get('CROTA2') === undefined ? 'CDELT' : 'CDELT/CROTA2',
  };
}
