import { AIRY_28CM, HMI_PSF_PAPER, type PsfModel } from '../physics/psf.js';
import { convolvePlane, type BoundaryMode } from '../physics/convolve.js';
import { cropPlane, type ImagePlane } from '../physics/image-plane.js';
import { rebinPlane } from '../physics/rebin.js';
import { samplePsfKernel } from '../physics/psf-kernel.js';
import { TrainingDataError } from './training-data-error.js';

/** HMI's sampling: the networks' input. */
export const HMI_PIXEL_SCALE_ARCSEC = 0.504;
/**
 * The target sampling: exactly half HMI's, so that a 50×50 input patch and its 100×100 target cover
 * the same area pixel for pixel (the paper rounds it to 0.25").
 */
export const TARGET_PIXEL_SCALE_ARCSEC = HMI_PIXEL_SCALE_ARCSEC / 2;
/** Kernels keep the radius that encloses this fraction of the PSF's energy. */
export const DEGRADATION_ENERGY_FRACTION = 0.99;

export interface DegradationRecipe {
  readonly inputPsf: PsfModel;
  readonly targetPsf: PsfModel;
  readonly inputScaleArcsec: number;
  readonly targetScaleArcsec: number;
  readonly energyFraction: number;
}

/** The paper's recipe: HMI PSF (ω 2.0, W 3.4) → 0.504"/px inputs; Airy 28 cm → 0.252"/px targets. */
export const PAPER_DEGRADATION: DegradationRecipe = Object.freeze({
  inputPsf: HMI_PSF_PAPER,
  targetPsf: AIRY_28CM,
  inputScaleArcsec: HMI_PIXEL_SCALE_ARCSEC,
  targetScaleArcsec: TARGET_PIXEL_SCALE_ARCSEC,
  energyFraction: DEGRADATION_ENERGY_FRACTION,
});

export interface KernelInfo {
  readonly radiusPx: number;
  readonly enclosedEnergy: number;
}

export interface DegradedPair {
  /** The source seen by HMI: PSF-convolved, then area-rebinned to the input scale. */
  readonly input: ImagePlane;
  /** The source seen by the target telescope, at exactly twice the input's sampling and size. */
  readonly target: ImagePlane;
  readonly inputKernel: KernelInfo;
  readonly targetKernel: KernelInfo;
}

/**
 * Degrades a high-resolution image into an aligned (input, target) pair. Both grids start at the
 * source's top-left corner; the target is cropped to exactly 2× the input's size.
 */
export function degradePair(
  source: ImagePlane,
  options: { sourceScaleArcsec: number; boundary: BoundaryMode; recipe?: DegradationRecipe; file?: string },
): DegradedPair {
  const { sourceScaleArcsec, boundary, recipe = PAPER_DEGRADATION, file } = options;
  // A kernel wider than the image only wraps around (periodic) or folds back (reflect): cap its radius.
  const maxRadiusPx = Math.max(source.width, source.height);
  const inputKernel = samplePsfKernel(recipe.inputPsf, {
    pixelScaleArcsec: sourceScaleArcsec,
    energyFraction: recipe.energyFraction,
    maxRadiusPx,
  });
  const targetKernel = samplePsfKernel(recipe.targetPsf, {
    pixelScaleArcsec: sourceScaleArcsec,
    energyFraction: recipe.energyFraction,
    maxRadiusPx,
  });
  const input = rebinPlane(convolvePlane(source, inputKernel, boundary), {
    inputScaleArcsec: sourceScaleArcsec,
    outputScaleArcsec: recipe.inputScaleArcsec,
  });
  const fullTarget = rebinPlane(convolvePlane(source, targetKernel, boundary), {
    inputScaleArcsec: sourceScaleArcsec,
    outputScaleArcsec: recipe.targetScaleArcsec,
  });
  const ratio = recipe.inputScaleArcsec / recipe.targetScaleArcsec;
  if (ratio !== 2 || fullTarget.width < 2 * input.width || fullTarget.height < 2 * input.height) {
    throw new TrainingDataError({
      message: `target grid ${fullTarget.width}×${fullTarget.height} (scale ratio ${ratio}) does not hold twice the input grid ${input.width}×${input.height}`,
      code: 'DATA_SHAPE',
      file,
    });
  }
  return {
    input,
    target: cropPlane(fullTarget, 0, 0, 2 * input.width, 2 * input.height),
    inputKernel: { radiusPx: inputKernel.radiusPx, enclosedEnergy: inputKernel.enclosedEnergy },
    targetKernel: { radiusPx: targetKernel.radiusPx, enclosedEnergy: targetKernel.enclosedEnergy },
  };
}
