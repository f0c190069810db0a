import type { ImagePlane } from '../physics/image-plane.js';
import { EvaluationError } from './evaluation-error.js';

function assertSameSize(a: ImagePlane, b: ImagePlane, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new EvaluationError({
      message: `${what}: sizes differ, ${a.width}×${a.height} against ${b.width}×${b.height}`,
      code: 'EVALUATION_SHAPE',
    });
  }
}

/** sqrt(mean((output − target)²)) / sqrt(mean(target²)). */
export function relativeRmsError(output: ImagePlane, target: ImagePlane): number {
  assertSameSize(output, target, 'relative RMS error');
  let error = 0;
  let norm = 0;
  for (let i = 0; i < target.data.length; i++) {
    error += (output.data[i] - target.data[i]) ** 2;
    norm += target.data[i] ** 2;
  }
  return Math.sqrt(error / norm);
}

/** 10 log10(range² / MSE) in dB, with range = max − min of the target (its dynamic range). */
export function psnr(output: ImagePlane, target: ImagePlane): number {
  assertSameSize(output, target, 'PSNR');
  let mse = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < target.data.length; i++) {
    mse += (output.data[i] - target.data[i]) ** 2;
    min = Math.min(min, target.data[i]);
    max = Math.max(max, target.data[i]);
  }
  mse /= target.data.length;
  return 10 * Math.log10(((max - min) * (max - min)) / mse);
}

// The evaluation's contrast and flux are the runtime's own (the demo shows them): one definition each.
export { rmsContrast, unsignedFlux } from '@enhance/core';

/**
 * How much an enhancement raises fields near a given strength: over the output pixels where the input,
 * brought to the output grid by `upsampledInput`, has |B| within [low, high], the median of
 * |B_out| / |B_in| (the paper's scatter of output against input, reduced to one number).
 */
export function fieldGain(output: ImagePlane, upsampledInput: ImagePlane, low: number, high: number): { gain: number; pixels: number } {
  assertSameSize(output, upsampledInput, 'field gain');
  const ratios: number[] = [];
  for (let i = 0; i < output.data.length; i++) {
    const b = Math.abs(upsampledInput.data[i]);
    if (b >= low && b <= high) ratios.push(Math.abs(output.data[i]) / b);
  }
  ratios.sort((a, b) => a - b);
  return { gain: ratios.length > 0 ? ratios[Math.floor(ratios.length / 2)] : Number.NaN, pixels: ratios.length };
}
