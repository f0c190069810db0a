import { FitsHeader } from '@enhance/core';
import type { FitsCard, SolarImage } from '@enhance/core';

export interface LimbDarkenedDisk extends SolarImage {
  /** 0-based pixel position of the disk centre, on both axes. */
  readonly centre: number;
  /** In pixels. */
  readonly radius: number;
}

/**
 * A square full disk with linear limb darkening (u = 0.6, typical of the visible continuum) times 3 %
 * ripples standing in for granulation, NaN off the disk, placed by a header with HMI's helioprojective
 * WCS keywords at 0.504"/px (plus `cards`, e.g. BUNIT).
 */
export function limbDarkenedDisk({
  level,
  cards = [],
  size = 64,
  radius = 28,
}: {
  level: number;
  cards?: FitsCard[];
  size?: number;
  radius?: number;
}): LimbDarkenedDisk {
  const centre = (size - 1) / 2;
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r2 = ((x - centre) ** 2 + (y - centre) ** 2) / radius ** 2;
      data[y * size + x] = r2 >= 1 ? Number.NaN : level * (1 - 0.6 * (1 - Math.sqrt(1 - r2))) * (1 + 0.03 * Math.sin(x * 1.3 + y * 0.7));
    }
  }
  const header = new FitsHeader([
    { key: 'CTYPE1', value: 'HPLN-TAN' },
    { key: 'CTYPE2', value: 'HPLT-TAN' },
    { key: 'CRPIX1', value: centre + 1 },
    { key: 'CRPIX2', value: centre + 1 },
    { key: 'CRVAL1', value: 0 },
    { key: 'CRVAL2', value: 0 },
    { key: 'CDELT1', value: 0.504 },
    { key: 'CDELT2', value: 0.504 },
    { key: 'RSUN_OBS', value: radius * 0.504 },
    ...cards,
  ]);
  return { data, width: size, height: size, header, centre, radius };
}
