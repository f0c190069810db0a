import type { PixelRect } from './tile-plan.js';

/**
 * Whether any pixel of `rect` (halo included) is finite. A tile whose whole input window is off the
 * disk (NaN) is not run: every output pixel of its core is masked back to NaN anyway, and the network
 * would only see the fill value. About 30% of a full-disk frame is off the disk.
 */
export function windowHasFinitePixel(data: ArrayLike<number>, width: number, rect: PixelRect): boolean {
  for (let y = rect.y0; y < rect.y1; y++) {
    const row = y * width;
    for (let x = rect.x0; x < rect.x1; x++) {
      // NaN and ±Infinity fail this test: the enhancer treats both as missing.
      if (Math.abs(data[row + x]) < Number.POSITIVE_INFINITY) return true;
    }
  }
  return false;
}
