import { AutodiffError, type GraphBuilder, type Operand } from '@enhance/graph-builder';
import { samplePsfKernel } from '../physics/psf-kernel.js';
import { HMI_PSF_PAPER, type PsfModel } from '../physics/psf.js';

/**
 * The paper's own check as a training term: the output, degraded again with the HMI PSF and binned 2×2
 * back to HMI's sampling, should reproduce the input. It ties the mean intensity and the flux to the data.
 *
 * A 50-pixel patch cannot hold the whole HMI PSF (99% of its energy lies within 36" at 0.252"/px), so
 * the term convolves with the PSF's core (`coreEnergy` of its energy, renormalised) and accounts for
 * the wings as what they mostly are on these scales, stray light of the surroundings' mean level: with
 * ε = 1 − coreEnergy, input ≈ (1 − ε)·core(scene) + ε·⟨input⟩, so the core-degraded output is compared
 * with (input − ε·⟨input⟩) / (1 − ε), per patch. Output pixels whose window reaches the zero padding at
 * the patch edge are left out.
 */
export interface PhysicsConsistencyOptions {
  /** The degrading PSF (default the paper's HMI PSF, ε 0.1, ω 2.0, k 3, W 3.4). */
  psf?: PsfModel;
  /** The output grid's pixel scale, arcsec (default 0.252, half HMI's 0.504). */
  outputScaleArcsec?: number;
  /** The share of the PSF's energy in the convolved core (default 0.9). */
  coreEnergy?: number;
}

export interface PhysicsConsistencyTerm {
  /** Scalar: mean squared re-degradation residual over the compared input pixels of the batch. */
  loss: Operand;
  /** The core kernel's radius in output pixels, and the input pixels compared per patch side. */
  kernelRadiusPx: number;
  comparedPixels: number;
}

export function physicsConsistencyTerm(
  b: GraphBuilder,
  prediction: Operand,
  input: Operand,
  options: PhysicsConsistencyOptions = {},
): PhysicsConsistencyTerm {
  const { psf = HMI_PSF_PAPER, outputScaleArcsec = 0.252, coreEnergy = 0.9 } = options;
  const [batch, channels, height, width] = prediction.shape.map(Number);
  const [inBatch, , inHeight, inWidth] = input.shape.map(Number);
  if (
    channels !== 1 ||
    inBatch !== batch ||
    height !== 2 * inHeight ||
    width !== 2 * inWidth ||
    [batch, height, width].some((d) => !Number.isInteger(d))
  ) {
    throw new AutodiffError({
      message: `the consistency term needs a static [B, 1, 2H, 2W] prediction for a [B, 1, H, W] input, got [${prediction.shape.join(',')}] and [${input.shape.join(',')}]`,
      code: 'AUTODIFF_UNSUPPORTED_OP',
      node: 'physics_consistency',
    });
  }
  const kernel = samplePsfKernel(psf, { pixelScaleArcsec: outputScaleArcsec, energyFraction: coreEnergy });
  const r = kernel.radiusPx;
  // Pad so that the convolved grid starts on an even output pixel (a 2×2 block boundary): output pixel j
  // of the padded 'valid' convolution is centred on prediction pixel j + r − pad.
  const pad = r % 2 === 0 ? 0 : 1;
  const convolvedSize = (side: number) => side + 2 * pad - 2 * r;
  const convolvedHeight = convolvedSize(height);
  const convolvedWidth = convolvedSize(width);
  if (convolvedHeight < 6 || convolvedWidth < 6) {
    throw new AutodiffError({
      message: `a ${height}×${width} prediction is too small for a ${2 * r + 1}-pixel PSF core`,
      code: 'AUTODIFF_UNSUPPORTED_OP',
      node: 'physics_consistency',
    });
  }
  const weights = b.constant({ dataType: 'float32', shape: [1, 1, kernel.height, kernel.width] }, Float32Array.from(kernel.data));
  const degraded = b.conv(prediction, weights, { pads: [pad, pad, pad, pad], label: 'consistency.psf' });
  const binnedHeight = convolvedHeight / 2;
  const binnedWidth = convolvedWidth / 2;
  const blocks = b.reshape(degraded, [batch, 1, binnedHeight, 2, binnedWidth, 2]);
  const binned = b.reshape(b.reduceMean(blocks, { axes: [3, 5], keepDims: false }), [batch, 1, binnedHeight, binnedWidth]);
  // Binned pixel q covers prediction pixels 2q + r − pad and the next: input pixel q + (r − pad)/2.
  const offset = (r - pad) / 2;
  const inputWindow = b.slice(input, { starts: [offset, offset], ends: [offset + binnedHeight, offset + binnedWidth], axes: [2, 3] });
  const epsilon = 1 - coreEnergy;
  const level = b.reduceMean(input, { axes: [1, 2, 3], keepDims: true });
  const expected = b.div(b.sub(inputWindow, b.mul(level, b.scalar(epsilon))), b.scalar(1 - epsilon));
  // The first and last binned rows and columns saw the zero padding: masked out.
  const mask = new Float32Array(binnedHeight * binnedWidth);
  let compared = 0;
  for (let y = pad; y < binnedHeight - pad; y++) {
    for (let x = pad; x < binnedWidth - pad; x++) {
      mask[y * binnedWidth + x] = 1;
      compared++;
    }
  }
  const residual = b.mul(b.sub(binned, expected), b.constant({ dataType: 'float32', shape: [1, 1, binnedHeight, binnedWidth] }, mask));
  const sumSquares = b.reduceSum(b.mul(residual, residual), { keepDims: false });
  const loss = b.div(sumSquares, b.scalar(batch * compared), { label: 'consistency.loss' });
  return { loss, kernelRadiusPx: r, comparedPixels: Math.sqrt(compared) };
}
