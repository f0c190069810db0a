import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFits } from '@enhance/core';
import { createEnhancer } from '@enhance/runtime-node';
import { HMI_PSF_PAPER, convolvePlane, rebinPlane, samplePsfKernel } from '@enhance/training';
import { DEFAULT_SHARED_DIR } from './shared-support/shared-test-selection.js';

// The quality check on real HMI data, held to the evaluation's own float64 FFT degradation (the one
// behind the model card's "explains the data" lines).
describe('quality check on real HMI continuum (../shared)', () => {
  it('gives the residual that a float64 FFT convolution and area rebinning give, on the active region', async () => {
    const file = 'hmi_ic45s_ar_200x200.fits';
    const image = readFits(new Uint8Array(readFileSync(join(DEFAULT_SHARED_DIR, 'data', 'hmi', file))), { file });
    const enhancer = await createEnhancer({ kind: 'intensity', variant: 'lite', device: 'cpu' });
    const result = await enhancer.enhance(image, { qa: true });
    await enhancer.dispose();
    const kernel = samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0.252, energyFraction: 0.99 });
    const output = {
      width: result.image.width,
      height: result.image.height,
      data: Float64Array.from(result.image.data, (v) => (Number.isFinite(v) ? v : 0)),
    };
    const redegraded = rebinPlane(convolvePlane(output, kernel, 'reflect'), { inputScaleArcsec: 0.252, outputScaleArcsec: 0.504 });
    let worst = 0;
    let residualSum = 0;
    let inputSum = 0;
    for (let i = 0; i < image.data.length; i++) {
      if (!Number.isFinite(image.data[i])) continue;
      const residual = redegraded.data[i] - image.data[i];
      worst = Math.max(worst, Math.abs(result.qa!.residual.data[i] - residual));
      residualSum += Math.abs(residual);
      inputSum += Math.abs(image.data[i]);
    }
    expect(worst).toBeLessThan(1e-5);
    expect(result.qa!.summary.relativeResidual).toBeCloseTo(residualSum / inputSum, 6);
    // The shipped reference knows the installed model and this file.
    expect(result.qa!.summary.reference?.images.some((i) => i.image === file)).toBe(true);
  });
});
