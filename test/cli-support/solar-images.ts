import { FitsHeader, writeFits } from '@enhance/core';

/**
 * A continuum-like FITS image (BUNIT DN/s, so its kind is read from the header), different for each
 * `seed`: granulation-like ripples on a 50,000 DN/s disk, with a NaN corner.
 */
export function continuumFits(size: number, seed: number): Uint8Array {
  const data = Float32Array.from(
    { length: size * size },
    (_, i) => 50_000 * (1 + 0.04 * Math.sin(i * 0.9 + seed) * Math.cos(i * 0.31 + 0.7 * seed)),
  );
  data[0] = Number.NaN;
  return writeFits({ data, width: size, height: size, header: new FitsHeader().with('BUNIT', 'DN/s').with('OBS_SEED', seed) });
}
