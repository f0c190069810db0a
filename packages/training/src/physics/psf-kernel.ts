import { PhysicsError } from './physics-error.js';
import type { ImagePlane } from './image-plane.js';
import { encircledEnergy, psfValue, radiusForEnergy, validatePsfModel, type PsfModel } from './psf.js';

export interface PsfKernelOptions {
  /** The pixel scale the kernel is sampled on, arcsec per pixel. */
  pixelScaleArcsec: number;
  /**
   * The support is the smallest radius enclosing this fraction of the PSF's energy (default 0.99);
   * the energy outside is dropped and the rest renormalised to unit sum.
   */
  energyFraction?: number;
  /** An upper bound on the support radius in pixels (the kernel is then truncated there). */
  maxRadiusPx?: number;
  /** Sub-samples per pixel side used to integrate the PSF over each pixel's area (default 5). */
  subsamples?: number;
}

/** A square, odd-sized, unit-sum kernel centred on its middle pixel. */
export interface PsfKernel extends ImagePlane {
  readonly radiusPx: number;
  readonly pixelScaleArcsec: number;
  /** The fraction of the continuous PSF's energy inside the chosen support radius. */
  readonly enclosedEnergy: number;
}

/**
 * Samples a PSF on a pixel grid: each pixel holds the PSF averaged over its area (subsamples² points),
 * inside a circular support chosen from the encircled energy, normalised to unit sum.
 */
export function samplePsfKernel(model: PsfModel, options: PsfKernelOptions): PsfKernel {
  validatePsfModel(model);
  const { pixelScaleArcsec, energyFraction = 0.99, maxRadiusPx = Infinity, subsamples = 5 } = options;
  if (!(pixelScaleArcsec > 0)) {
    throw new PhysicsError({ message: `pixel scale must be positive, got ${pixelScaleArcsec}"/px`, code: 'PHYSICS_ARGUMENT' });
  }
  if (!Number.isInteger(subsamples) || subsamples < 1) {
    throw new PhysicsError({ message: `subsamples must be a positive integer, got ${subsamples}`, code: 'PHYSICS_ARGUMENT' });
  }
  const supportArcsec = radiusForEnergy(model, energyFraction);
  const radiusPx = Math.max(1, Math.min(maxRadiusPx, Math.ceil(supportArcsec / pixelScaleArcsec)));
  const supportRadiusArcsec = Math.min(supportArcsec, radiusPx * pixelScaleArcsec);
  const size = 2 * radiusPx + 1;
  const data = new Float64Array(size * size);
  const offsets = Array.from({ length: subsamples }, (_, i) => (i + 0.5) / subsamples - 0.5);
  let sum = 0;
  // Only one octant is evaluated: the PSF is symmetric under x↔y and sign flips.
  for (let y = 0; y <= radiusPx; y++) {
    for (let x = 0; x <= y; x++) {
      if (Math.hypot(x, y) * pixelScaleArcsec > supportRadiusArcsec + pixelScaleArcsec * Math.SQRT1_2) continue;
      let value = 0;
      for (const dy of offsets) {
        for (const dx of offsets) {
          const theta = Math.hypot(x + dx, y + dy) * pixelScaleArcsec;
          if (theta <= supportRadiusArcsec) value += psfValue(model, theta);
        }
      }
      value /= subsamples * subsamples;
      for (const [px, py] of [
        [x, y],
        [y, x],
      ] as const) {
        for (const sx of px === 0 ? [1] : [1, -1]) {
          for (const sy of py === 0 ? [1] : [1, -1]) {
            const index = (radiusPx + sy * py) * size + radiusPx + sx * px;
            if (data[index] === 0) {
              data[index] = value;
              sum += value;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < data.length; i++) data[i] /= sum;
  return {
    width: size,
    height: size,
    data,
    radiusPx,
    pixelScaleArcsec,
    enclosedEnergy: encircledEnergy(model, supportRadiusArcsec),
  };
}
