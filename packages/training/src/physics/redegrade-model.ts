import { attribute, GraphBuilder, type Dim, type Operand } from '@enhance/graph-builder';
import type { ImagePlane } from './image-plane.js';
import { PhysicsError } from './physics-error.js';
import { HMI_PSF_PAPER, type PsfModel } from './psf.js';
import { samplePsfKernel } from './psf-kernel.js';

export const REDEGRADE_INPUT_NAME = 'image';
export const REDEGRADE_OUTPUT_NAME = 'redegraded';

export interface RedegradeModelOptions {
  /** The PSF the networks' inputs were degraded with (default: HMI, the paper's parameters). */
  psf?: PsfModel;
  /** The sampling of the image to degrade: the networks' output, 0.252"/px. */
  outputScaleArcsec?: number;
  /** The PSF support as the fraction of its energy kept (default 0.99, as the training degradation). */
  energyFraction?: number;
  /** A ready kernel (square, odd, unit sum, symmetric under flips) at the output grid, instead of sampling `psf`. */
  kernel?: ImagePlane;
  /** Written into the model's metadata: where the recipe comes from. */
  recipe?: string;
}

/**
 * The networks' degradation as an ONNX model, for checking an output against the data it came from:
 * the output grid image convolved with the PSF, then averaged over 2×2 blocks onto the input grid.
 *
 * Input `image` [1, 1, H, W]: a tile of the output grid with R pixels of context on every side (R, the
 * kernel radius, is in the metadata as `halo`); H − 2R and W − 2R must be even. Output `redegraded`
 * [1, 1, (H − 2R)/2, (W − 2R)/2]: the tile's core, degraded and rebinned. The caller extends the tile
 * beyond the image's edges (the training degradation reflects there), so the model pads nothing.
 *
 * The kernel reaches R = 142 px at the default 99% of the energy (the wing of HMI's PSF is broad): a
 * direct convolution would cost 81,000 multiply-adds per pixel, so it runs through the FFT (ONNX DFT,
 * opset 17) — a circular convolution whose wrap-around lands only in the R-pixel margin that is cut
 * away. Power-of-two H and W keep onnxruntime's DFT on its fast radix-2 path. The kernel is placed
 * centred on pixel (0, 0) of the periodic grid, so its spectrum is real (the PSF is symmetric).
 */
export function createRedegradeModel(options: RedegradeModelOptions = {}): Uint8Array {
  const { psf = HMI_PSF_PAPER, outputScaleArcsec = 0.252, energyFraction = 0.99 } = options;
  const kernel = options.kernel ?? samplePsfKernel(psf, { pixelScaleArcsec: outputScaleArcsec, energyFraction });
  checkSymmetricKernel(kernel);
  const size = kernel.width;
  const radius = (size - 1) / 2;

  const b = new GraphBuilder();
  const image = b.input(REDEGRADE_INPUT_NAME, { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
  // DFT wants [batch, n1, n2, 1 | 2 (real, imaginary)].
  const real = b.transpose(image, { perm: [0, 2, 3, 1], label: 'to_nhwc' });
  const shape = b.shape(image, { label: 'shape' });
  const dim = (axis: number, label: string) => b.gather(shape, [axis], { label });
  const height = dim(2, 'height');
  const width = dim(3, 'width');
  const one = b.constant({ dataType: 'int64', shape: [1] }, [1], { label: 'one' });
  const span = b.constant({ dataType: 'int64', shape: [1] }, [size], { label: 'kernel_size' });
  const two = b.constant({ dataType: 'int64', shape: [1] }, [2], { label: 'two' });

  const dft = (x: Operand, axis: number, inverse: boolean, label: string, outShape: readonly Dim[]) =>
    b.addNode(
      'DFT',
      [x],
      { axis: attribute.int(axis), inverse: attribute.int(inverse ? 1 : 0), onesided: attribute.int(0) },
      1,
      () => [{ dataType: 'float32', shape: [...outShape.slice(0, 3), 2] }],
      { label },
    )[0];
  /** Rolls the kernel's centre to index 0 along `axis` with zeros between: [k[R..2R], 0 … 0, k[0..R−1]]. */
  const wrap = (x: Operand, axis: number, length: Operand, channels: Operand, label: string) => {
    const upper = b.slice(x, { starts: [radius], ends: [size], axes: [axis], label: `${label}.centre_on` });
    const lower = b.slice(x, { starts: [0], ends: [radius], axes: [axis], label: `${label}.before_centre` });
    const gap = b.sub(length, span, { label: `${label}.gap` });
    const zerosShape =
      axis === 1
        ? b.concat([one, gap, span, channels], 0, { label: `${label}.zeros_shape` })
        : b.concat([one, height, gap, channels], 0, { label: `${label}.zeros_shape` });
    const zeros = b.constantOfShape(zerosShape, { label: `${label}.zeros` });
    return b.concat([upper, zeros, lower], axis, { label });
  };

  const psfKernel = b.initializer('psf', Float32Array.from(kernel.data), [1, size, size, 1]);
  // Rows wrapped and transformed while the kernel is only `size` columns wide, then the columns.
  const rows = wrap(psfKernel, 1, height, one, 'psf_rows');
  const rowsSpectrum = dft(rows, 1, false, 'psf_dft_rows', [1, 'H', size]);
  const placed = wrap(rowsSpectrum, 2, width, two, 'psf_columns');
  const spectrum = b.slice(dft(placed, 2, false, 'psf_dft_columns', [1, 'H', 'W']), {
    starts: [0],
    ends: [1],
    axes: [3],
    label: 'psf_spectrum',
  });

  const imageSpectrum = dft(dft(real, 1, false, 'image_dft_rows', [1, 'H', 'W']), 2, false, 'image_dft_columns', [1, 'H', 'W']);
  const product = b.mul(imageSpectrum, spectrum, { label: 'filter' });
  const convolved = dft(dft(product, 2, true, 'inverse_dft_columns', [1, 'H', 'W']), 1, true, 'inverse_dft_rows', [1, 'H', 'W']);
  const core = b.slice(convolved, { starts: [radius, radius, 0], ends: [-radius, -radius, 1], axes: [1, 2, 3], label: 'core' });
  const planar = b.transpose(core, { perm: [0, 3, 1, 2], label: 'to_nchw' });
  const rebinned = b.averagePool(planar, { kernelShape: [2, 2], strides: [2, 2], label: 'rebin' });

  const kind = psf.kind === 'hmi' ? `HMI (epsilon ${psf.epsilon}, omega ${psf.omega}, k ${psf.k}, W ${psf.W})` : `Airy ${psf.apertureM} m`;
  return b.build({
    outputs: { [REDEGRADE_OUTPUT_NAME]: rebinned },
    graphName: 'redegrade',
    docString: `The output degraded again: PSF ${kind} at ${outputScaleArcsec}"/px, ${size}×${size} taps (${energyFraction} of its energy), then 2×2 mean.`,
    metadata: {
      purpose: 'quality check: an enhanced image degraded again with the training PSF and rebinned to the input grid',
      halo: String(radius),
      kernel_size: String(size),
      energy_fraction: String(energyFraction),
      psf: kind,
      output_scale_arcsec: String(outputScaleArcsec),
      input_scale_arcsec: String(2 * outputScaleArcsec),
      ...(options.recipe ? { recipe: options.recipe } : {}),
    },
    producerName: '@enhance/graph-builder',
  });
}

function checkSymmetricKernel(kernel: ImagePlane): void {
  const { width, height, data } = kernel;
  if (width !== height || width % 2 !== 1) {
    throw new PhysicsError({
      message: `re-degradation kernel must be square and odd-sized, got ${width}×${height}`,
      code: 'PHYSICS_SHAPE',
    });
  }
  let worst = 0;
  let largest = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = data[y * width + x];
      largest = Math.max(largest, Math.abs(value));
      worst = Math.max(worst, Math.abs(value - data[(height - 1 - y) * width + width - 1 - x]));
    }
  }
  // A symmetric kernel has a real spectrum; only its real part is kept.
  if (worst > 1e-9 * largest) {
    throw new PhysicsError({
      message: `re-degradation kernel must be symmetric under a half turn (largest difference ${worst.toExponential(2)})`,
      code: 'PHYSICS_ARGUMENT',
    });
  }
}
