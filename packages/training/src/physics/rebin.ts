import type { ImagePlane } from './image-plane.js';
import { PhysicsError } from './physics-error.js';

export interface RebinOptions {
  /** Arcsec per pixel of the input. */
  inputScaleArcsec: number;
  /** Arcsec per pixel of the output. */
  outputScaleArcsec: number;
}

/**
 * The overlap weights of a 1-D area-weighted rebinning: output pixel j covers [j·f, (j+1)·f) in input
 * pixel units (f = output/input scale, any positive real), and takes the mean of the input over that
 * interval, each input pixel weighted by its overlap length / f.
 */
function overlapWeights(inputLength: number, factor: number): { length: number; rows: { start: number; weights: number[] }[] } {
  // The epsilon keeps an exact multiple (131 × 7.6133… = 1000 up to rounding) from losing its last pixel.
  const length = Math.floor(inputLength / factor + 1e-9);
  const rows: { start: number; weights: number[] }[] = [];
  for (let j = 0; j < length; j++) {
    const lo = j * factor;
    const hi = Math.min((j + 1) * factor, inputLength);
    const start = Math.floor(lo);
    const weights: number[] = [];
    for (let i = start; i < hi; i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      weights.push(overlap > 0 ? overlap / factor : 0);
    }
    rows.push({ start, weights });
  }
  return { length, rows };
}

/**
 * Flux-conserving resampling between pixel scales by area-weighted rebinning (the grid origins
 * coincide at the image's top-left corner). Each output pixel is the mean surface brightness of the
 * input area it covers, so a constant image stays constant and the flux (value × pixel area) of the
 * covered area is unchanged. The output keeps only whole pixels: floor(n · input/output scale) a side.
 */
export function rebinPlane(image: ImagePlane, options: RebinOptions): ImagePlane {
  const { inputScaleArcsec, outputScaleArcsec } = options;
  if (!(inputScaleArcsec > 0) || !(outputScaleArcsec > 0)) {
    throw new PhysicsError({
      message: `pixel scales must be positive, got input ${inputScaleArcsec}"/px and output ${outputScaleArcsec}"/px`,
      code: 'PHYSICS_ARGUMENT',
    });
  }
  const factor = outputScaleArcsec / inputScaleArcsec;
  const xs = overlapWeights(image.width, factor);
  const ys = overlapWeights(image.height, factor);
  if (xs.length === 0 || ys.length === 0) {
    throw new PhysicsError({
      message: `a ${image.width}×${image.height} image at ${inputScaleArcsec}"/px is smaller than one output pixel of ${outputScaleArcsec}"`,
      code: 'PHYSICS_SHAPE',
    });
  }
  // Separable: rows first, then columns.
  const partial = new Float64Array(image.height * xs.length);
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width;
    for (let j = 0; j < xs.length; j++) {
      const { start, weights } = xs.rows[j];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * image.data[row + start + k];
      partial[y * xs.length + j] = acc;
    }
  }
  const out = new Float64Array(ys.length * xs.length);
  for (let j = 0; j < ys.length; j++) {
    const { start, weights } = ys.rows[j];
    for (let x = 0; x < xs.length; x++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * partial[(start + k) * xs.length + x];
      out[j * xs.length + x] = acc;
    }
  }
  return { width: xs.length, height: ys.length, data: out };
}
