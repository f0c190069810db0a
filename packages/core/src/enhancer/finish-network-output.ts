import { SCALE_FACTOR } from '../kinds.js';
import { EnhancerError } from './enhancer-errors.js';
import { multiplyByLimbLevel } from './limb-normalisation.js';
import type { NetworkInput } from './prepare-network-input.js';
import type { TiledOutput } from './run-tiles.js';

/**
 * The post-processing step, in place: the limb profile multiplied back, NaN wherever the input pixel was
 * missing, and OUTPUT_NOT_FINITE when the network (the model from `source`) overflowed anywhere else.
 */
export function finishNetworkOutput(input: NetworkInput, { output, spread }: TiledOutput, source: string): void {
  const { data, width, height, limb, nanCount } = input;
  const outWidth = width * SCALE_FACTOR;
  if (limb) {
    multiplyByLimbLevel(output, outWidth, height * SCALE_FACTOR, limb, SCALE_FACTOR);
    if (spread) multiplyByLimbLevel(spread, outWidth, height * SCALE_FACTOR, limb, SCALE_FACTOR);
  }
  if (nanCount > 0) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (Number.isFinite(data[y * width + x])) continue;
        const top = 2 * y * outWidth + 2 * x;
        output[top] = output[top + 1] = output[top + outWidth] = output[top + outWidth + 1] = Number.NaN;
        if (spread) spread[top] = spread[top + 1] = spread[top + outWidth] = spread[top + outWidth + 1] = Number.NaN;
      }
    }
  }
  // Masked blocks are the only NaN the output may have; anything else is an overflow (a scale too
  // small for the image, or weights that blow up) and must not pass for an enhancement.
  let nonFinite = -SCALE_FACTOR * SCALE_FACTOR * nanCount;
  for (let i = 0; i < output.length; i++) if (!Number.isFinite(output[i])) nonFinite++;
  if (nonFinite > 0) {
    throw new EnhancerError({
      code: 'OUTPUT_NOT_FINITE',
      message: `the output has ${nonFinite} non-finite pixels (NaN or infinite) where the input is finite: the network overflows float32 on this image divided by ${input.scale.toPrecision(7)}`,
      details: { nonFinite, scale: input.scale, model: source },
    });
  }
}
