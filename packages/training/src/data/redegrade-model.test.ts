import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REDEGRADE_MODEL_FILE, readOnnxModelSummary } from '@enhance/core';
import { radiusForEnergy } from '../physics/psf.js';
import { PAPER_DEGRADATION } from './degrade-pair.js';
import { redegradeModelForRecipe } from './redegrade-model.js';

const shipped = fileURLToPath(new URL(`../../../../models/${REDEGRADE_MODEL_FILE}`, import.meta.url));

describe('redegradeModelForRecipe', () => {
  it("uses the training recipe's PSF, energy fraction and grids", () => {
    const { metadata } = readOnnxModelSummary(redegradeModelForRecipe());
    const inputPsf = PAPER_DEGRADATION.inputPsf;
    expect(inputPsf.kind).toBe('hmi');
    expect(metadata.psf).toBe(
      inputPsf.kind === 'hmi' ? `HMI (epsilon ${inputPsf.epsilon}, omega ${inputPsf.omega}, k ${inputPsf.k}, W ${inputPsf.W})` : '',
    );
    expect(metadata.energy_fraction).toBe(String(PAPER_DEGRADATION.energyFraction));
    expect(metadata.output_scale_arcsec).toBe(String(PAPER_DEGRADATION.targetScaleArcsec));
    expect(metadata.input_scale_arcsec).toBe(String(PAPER_DEGRADATION.inputScaleArcsec));
    // The same support in arcsec as the training kernel: the radius of 99% of the energy, in whole output pixels.
    const supportArcsec = radiusForEnergy(inputPsf, PAPER_DEGRADATION.energyFraction);
    expect(Number(metadata.halo)).toBe(Math.ceil(supportArcsec / PAPER_DEGRADATION.targetScaleArcsec));
  });

  it.skipIf(!existsSync(shipped))(
    `is what models/${REDEGRADE_MODEL_FILE} holds (npm run export:redegrade after changing the recipe)`,
    () => {
      expect(Buffer.from(redegradeModelForRecipe()).equals(readFileSync(shipped))).toBe(true);
    },
  );
});
