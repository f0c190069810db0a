import { fft2d, nextFastLength } from './fft.js';
import type { ImagePlane } from './image-plane.js';
import { PhysicsError } from './physics-error.js';

/**
 * How the image continues beyond its edges. periodic: wraps (right for MURaM, whose horizontal
 * boundaries are periodic); reflect: mirrored without repeating the edge pixel (ONNX Pad "reflect");
 * edge: the edge pixel repeated.
 */
export type BoundaryMode = 'periodic' | 'reflect' | 'edge';
export const BOUNDARY_MODES: readonly BoundaryMode[] = Object.freeze(['periodic', 'reflect', 'edge']);

/** Maps an index outside [0, n) back inside according to the boundary mode. */
export function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'periodic') return ((i % n) + n) % n;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const folded = ((i % period) + period) % period;
  return folded < n ? folded : period - folded;
}

/** Extends an image by `pad` pixels on every side according to the boundary mode. */
export function padPlane(image: ImagePlane, pad: number, mode: BoundaryMode): ImagePlane {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = boundaryIndex(y - pad, image.height, mode);
    for (let x = 0; x < width; x++) {
      data[y * width + x] = image.data[sy * image.width + boundaryIndex(x - pad, image.width, mode)];
    }
  }
  return { width, height, data };
}

/**
 * 2-D convolution of an image with an odd-sized kernel centred on its middle pixel, through the FFT:
 * out(y, x) = Σ kernel(j, i) · image(y + cy − j, x + cx − i), the image extended by the boundary mode.
 * The FFT costs O(n log n) whatever the kernel size; the physics kernels reach 1000×1000 taps, where a
 * direct (or ONNX Conv) sum would cost 10¹² multiply-adds for a 1000×1000 image.
 */
export function convolvePlane(image: ImagePlane, kernel: ImagePlane, mode: BoundaryMode): ImagePlane {
  if (kernel.width % 2 !== 1 || kernel.height % 2 !== 1) {
    throw new PhysicsError({
      message: `convolution kernel must have odd sizes, got ${kernel.width}×${kernel.height}`,
      code: 'PHYSICS_SHAPE',
    });
  }
  const cx = (kernel.width - 1) / 2;
  const cy = (kernel.height - 1) / 2;
  let source = image;
  let gridWidth = image.width;
  let gridHeight = image.height;
  let padX = 0;
  let padY = 0;
  if (mode !== 'periodic') {
    // The padded grid must hold the kernel's reach on both sides, so the FFT's wrap-around lands
    // only in the margin that is cropped away.
    gridWidth = nextFastLength(image.width + 2 * cx);
    gridHeight = nextFastLength(image.height + 2 * cy);
    padX = Math.floor((gridWidth - image.width) / 2);
    padY = Math.floor((gridHeight - image.height) / 2);
    const data = new Float64Array(gridWidth * gridHeight);
    for (let y = 0; y < gridHeight; y++) {
      const sy = boundaryIndex(y - padY, image.height, mode);
      for (let x = 0; x < gridWidth; x++) {
        data[y * gridWidth + x] = image.data[sy * image.width + boundaryIndex(x - padX, image.width, mode)];
      }
    }
    source = { width: gridWidth, height: gridHeight, data };
  }
  const size = gridWidth * gridHeight;
  const imageRe = new Float64Array(source.data);
  const imageIm = new Float64Array(size);
  // The kernel is wrapped onto the periodic grid with its centre at (0, 0); taps beyond the grid
  // fold back, which is exact periodic convolution even when the kernel outgrows the image.
  const kernelRe = new Float64Array(size);
  const kernelIm = new Float64Array(size);
  for (let j = 0; j < kernel.height; j++) {
    const gy = (((j - cy) % gridHeight) + gridHeight) % gridHeight;
    for (let i = 0; i < kernel.width; i++) {
      const gx = (((i - cx) % gridWidth) + gridWidth) % gridWidth;
      kernelRe[gy * gridWidth + gx] += kernel.data[j * kernel.width + i];
    }
  }
  fft2d(imageRe, imageIm, gridWidth, gridHeight);
  fft2d(kernelRe, kernelIm, gridWidth, gridHeight);
  for (let i = 0; i < size; i++) {
    const re = imageRe[i] * kernelRe[i] - imageIm[i] * kernelIm[i];
    const im = imageRe[i] * kernelIm[i] + imageIm[i] * kernelRe[i];
    imageRe[i] = re;
    imageIm[i] = im;
  }
  fft2d(imageRe, imageIm, gridWidth, gridHeight, true);
  const out = new Float64Array(image.width * image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) out[y * image.width + x] = imageRe[(y + padY) * gridWidth + x + padX];
  }
  return { width: image.width, height: image.height, data: out };
}
