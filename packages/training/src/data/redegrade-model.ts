import { createRedegradeModel } from '../physics/redegrade-model.js';
import { PAPER_DEGRADATION, type DegradationRecipe } from './degrade-pair.js';

/**
 * The quality check's model (models/hmi-redegrade.onnx) for a training recipe: the recipe's input PSF
 * sampled at its target grid with the same energy fraction — the same support in arcseconds as the
 * kernel that made the training inputs (99%: 35.6" radius at the source's 0.0662"/px, 142 px at
 * 0.252"/px) — then the 2×2 mean onto the input grid, which is the recipe's area rebinning for a
 * scale ratio of exactly 2.
 */
export function redegradeModelForRecipe(recipe: DegradationRecipe = PAPER_DEGRADATION): Uint8Array {
  const psf = recipe.inputPsf;
  const psfText =
    psf.kind === 'hmi' ? `HMI PSF epsilon ${psf.epsilon}, omega ${psf.omega}, k ${psf.k}, W ${psf.W}` : `Airy ${psf.apertureM} m`;
  return createRedegradeModel({
    psf,
    outputScaleArcsec: recipe.targetScaleArcsec,
    energyFraction: recipe.energyFraction,
    recipe: `@enhance/training degradation: ${psfText}, ${recipe.energyFraction} of the energy, ${recipe.targetScaleArcsec}"/px → ${recipe.inputScaleArcsec}"/px`,
  });
}
