import { GraphBuilder, type Operand } from '@enhance/graph-builder';
import { HMI_PSF_PAPER, type PsfModel } from './psf.js';
import { samplePsfKernel } from './psf-kernel.js';
import type { ImagePlane } from './image-plane.js';
import { PhysicsError } from './physics-error.js';

export const RICHARDSON_LUCY_INPUT_NAME = 'image';
export const RICHARDSON_LUCY_OUTPUT_NAME = 'deconvolved';

export interface RichardsonLucyModelOptions {
  /** Iterations, unrolled into the graph (the paper's baseline: 20). */
  iterations?: number;
  /** The PSF to deconvolve (default: HMI, the paper's parameters). */
  psf?: PsfModel;
  /** The input's sampling (default HMI's 0.504"/px); the PSF is sampled at half of it after the ×2 upsampling. */
  inputScaleArcsec?: number;
  /**
   * The PSF support, as the fraction of its energy kept (default 0.95: a 57×57 kernel at 0.252"/px;
   * the far wing costs O(radius²) per iteration and RL's sharpening comes from the core).
   */
  energyFraction?: number;
  /** A ready kernel (odd, unit sum) at the upsampled grid, instead of sampling `psf`. */
  kernel?: ImagePlane;
  /**
   * Added before and removed after the iterations: RL needs positive data, so a signed magnetogram (kG)
   * needs an offset larger than its strongest negative field.
   */
  offset?: number;
}

/**
 * Richardson–Lucy deconvolution as an ONNX model, the evaluation baseline of paper §3.2.4: the input
 * `image` [N, 1, H, W] is upsampled bilinearly ×2 (half-pixel centres, like the FITS CRPIX convention),
 * then u ← u · Kᵀ ⊛ (d / (K ⊛ u)) is unrolled for the given iterations starting from u = d, with
 * reflection padding at the edges. Output `deconvolved` [N, 1, 2H, 2W]. Reflection needs images larger
 * than the kernel radius (28 px at the default support, i.e. inputs of at least 15×15).
 */
export function createRichardsonLucyModel(options: RichardsonLucyModelOptions = {}): Uint8Array {
  const { iterations = 20, psf = HMI_PSF_PAPER, inputScaleArcsec = 0.504, energyFraction = 0.95, offset = 0 } = options;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new PhysicsError({
      message: `Richardson–Lucy iterations must be a positive integer, got ${iterations}`,
      code: 'PHYSICS_ARGUMENT',
    });
  }
  const kernel = options.kernel ?? samplePsfKernel(psf, { pixelScaleArcsec: inputScaleArcsec / 2, energyFraction });
  if (kernel.width !== kernel.height || kernel.width % 2 !== 1) {
    throw new PhysicsError({
      message: `Richardson–Lucy kernel must be square and odd-sized, got ${kernel.width}×${kernel.height}`,
      code: 'PHYSICS_SHAPE',
    });
  }
  const radius = (kernel.width - 1) / 2;
  // ONNX Conv correlates; the flipped kernel makes it a convolution (K), the unflipped one its adjoint (Kᵀ).
  const flipped = new Float32Array(kernel.data.length);
  for (let i = 0; i < flipped.length; i++) flipped[i] = kernel.data[kernel.data.length - 1 - i];
  const b = new GraphBuilder();
  const image = b.input(RICHARDSON_LUCY_INPUT_NAME, { dataType: 'float32', shape: ['N', 1, 'H', 'W'] });
  const forward = b.initializer('psf', flipped, [1, 1, kernel.width, kernel.width]);
  const adjoint = b.initializer('psf_adjoint', Float32Array.from(kernel.data), [1, 1, kernel.width, kernel.width]);
  const tiny = b.scalar(1e-12);
  const blur = (x: Operand, weight: Operand, label: string) =>
    b.conv(b.pad(x, { pads: [0, 0, radius, radius, 0, 0, radius, radius], mode: 'reflect', label: `${label}.pad` }), weight, { label });
  let upsampled = b.resize(image, { scales: [1, 1, 2, 2], mode: 'linear', coordinateTransformationMode: 'half_pixel', label: 'upsample' });
  const shift = offset !== 0 ? b.scalar(offset) : undefined;
  if (shift) upsampled = b.add(upsampled, shift, { label: 'offset' });
  let estimate = upsampled;
  for (let i = 0; i < iterations; i++) {
    const reblurred = b.max(blur(estimate, forward, `rl${i}.blur`), tiny, { label: `rl${i}.floor` });
    const ratio = b.div(upsampled, reblurred, { label: `rl${i}.ratio` });
    estimate = b.mul(estimate, blur(ratio, adjoint, `rl${i}.correct`), { label: `rl${i}.update` });
  }
  const result = shift ? b.sub(estimate, shift, { label: 'unoffset' }) : estimate;
  return b.build({
    outputs: { [RICHARDSON_LUCY_OUTPUT_NAME]: result },
    graphName: 'richardson_lucy',
    docString: `Richardson–Lucy deconvolution, ${iterations} iterations after bilinear ×2 upsampling; PSF kernel ${kernel.width}×${kernel.width}.`,
    metadata: { iterations: String(iterations), kernel_size: String(kernel.width), offset: String(offset) },
    producerName: '@enhance/graph-builder',
  });
}
