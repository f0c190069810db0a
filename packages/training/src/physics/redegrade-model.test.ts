import { describe, expect, it } from 'vitest';
import { readModel } from '@enhance/graph-builder';
import { runOnnx } from '@enhance/graph-builder/testing';
import { convolvePlane } from './convolve.js';
import { PhysicsError } from './physics-error.js';
import { HMI_PSF_PAPER } from './psf.js';
import { samplePsfKernel } from './psf-kernel.js';
import { rebinPlane } from './rebin.js';
import { createRedegradeModel, REDEGRADE_INPUT_NAME, REDEGRADE_OUTPUT_NAME } from './redegrade-model.js';
import type { ImagePlane } from './image-plane.js';

// Plain float64 reference: a direct sum over the kernel with the image mirrored (edge pixel not
// repeated, folded again for kernels wider than the image), then the mean of each 2×2 block.
function reflect(i: number, n: number): number {
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

function directRedegrade(image: ImagePlane, kernel: ImagePlane): ImagePlane {
  const { width, height } = image;
  const c = (kernel.width - 1) / 2;
  const blurred = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let j = 0; j < kernel.height; j++) {
        const row = reflect(y + c - j, height) * width;
        for (let i = 0; i < kernel.width; i++) sum += kernel.data[j * kernel.width + i] * image.data[row + reflect(x + c - i, width)];
      }
      blurred[y * width + x] = sum;
    }
  }
  const out = new Float64Array((width / 2) * (height / 2));
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      const top = 2 * y * width + 2 * x;
      out[y * (width / 2) + x] = (blurred[top] + blurred[top + 1] + blurred[top + width] + blurred[top + width + 1]) / 4;
    }
  }
  return { width: width / 2, height: height / 2, data: out };
}

/** The tile the model expects: the image with `halo` mirrored pixels on each side, then `extra` more on the right and bottom. */
function tileWithHalo(image: ImagePlane, halo: number, extraX = 0, extraY = 0): { data: Float32Array; width: number; height: number } {
  const width = image.width + 2 * halo + extraX;
  const height = image.height + 2 * halo + extraY;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data[y * width + x] = image.data[reflect(y - halo, image.height) * image.width + reflect(x - halo, image.width)];
  }
  return { data, width, height };
}

function granulation(width: number, height: number): ImagePlane {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data[y * width + x] =
        1 + 0.05 * Math.sin(0.9 * x + 0.3 * y) * Math.cos(0.7 * y - 0.2 * x) + 0.4 * Math.exp(-((x - 5) ** 2 + (y - 3) ** 2) / 4);
  }
  return { width, height, data };
}

const kernel = samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0.252, energyFraction: 0.99 });
const halo = kernel.radiusPx;

async function runModel(model: Uint8Array, tile: { data: Float32Array; width: number; height: number }) {
  const result = await runOnnx(model, {
    [REDEGRADE_INPUT_NAME]: { dataType: 'float32', dims: [1, 1, tile.height, tile.width], data: tile.data },
  });
  return result[REDEGRADE_OUTPUT_NAME];
}

describe('createRedegradeModel', () => {
  const model = createRedegradeModel({ recipe: 'test' });

  it('states its halo and PSF in the metadata', () => {
    const { metadata } = readModel(model, 'redegrade.onnx');
    expect(metadata.halo).toBe(String(halo));
    expect(halo).toBe(142);
    expect(metadata.kernel_size).toBe('285');
    expect(metadata.energy_fraction).toBe('0.99');
    expect(metadata.psf).toBe('HMI (epsilon 0.1, omega 2, k 3, W 3.4)');
    expect(metadata.recipe).toBe('test');
  });

  it('matches a direct float64 convolution with mirrored edges and a 2×2 mean, on an image smaller than the kernel', async () => {
    const image = granulation(24, 18);
    const expected = directRedegrade(image, kernel);
    // A power-of-two tile (onnxruntime's fast DFT path): the extra mirrored pixels fall outside the core.
    const tile = tileWithHalo(image, halo, 512 - (24 + 2 * halo), 512 - (18 + 2 * halo));
    const result = await runModel(model, tile);
    expect(result.dims).toEqual([1, 1, (512 - 2 * halo) / 2, (512 - 2 * halo) / 2]);
    const coreWidth = result.dims[3];
    let worst = 0;
    for (let y = 0; y < expected.height; y++) {
      for (let x = 0; x < expected.width; x++)
        worst = Math.max(worst, Math.abs(result.data[y * coreWidth + x] - expected.data[y * expected.width + x]));
    }
    expect(worst).toBeLessThan(2e-6);
  });

  it('gives the interior of a larger image from a tile with context, as the whole-image degradation of the evaluation does', async () => {
    const image = granulation(40, 36);
    const reference = rebinPlane(convolvePlane(image, kernel, 'reflect'), { inputScaleArcsec: 0.252, outputScaleArcsec: 0.504 });
    // The lower-right quarter's core (x 20–39, y 18–35) with the real image around it and mirrored beyond it.
    // 512² (a power of two) holds it: what lies beyond the core's reach only fills the transform.
    const tileWidth = 512;
    const tileHeight = 512;
    const data = new Float32Array(tileWidth * tileHeight);
    for (let y = 0; y < tileHeight; y++) {
      for (let x = 0; x < tileWidth; x++)
        data[y * tileWidth + x] = image.data[reflect(18 + y - halo, 36) * 40 + reflect(20 + x - halo, 40)];
    }
    const result = await runModel(model, { data, width: tileWidth, height: tileHeight });
    const coreWidth = (512 - 2 * halo) / 2;
    expect(result.dims).toEqual([1, 1, coreWidth, coreWidth]);
    let worst = 0;
    for (let y = 0; y < 9; y++)
      for (let x = 0; x < 10; x++)
        worst = Math.max(worst, Math.abs(result.data[y * coreWidth + x] - reference.data[(9 + y) * 20 + 10 + x]));
    expect(worst).toBeLessThan(2e-6);
  });

  it('keeps a constant image constant (unit-sum kernel), on any tile size', async () => {
    // Not a power of two: onnxruntime's DFT takes its slower, less precise path (≈1e-5 relative here).
    const tile = { data: new Float32Array(300 * 290).fill(3.5), width: 300, height: 290 };
    const result = await runModel(model, tile);
    expect(result.dims).toEqual([1, 1, 3, 8]);
    for (const value of result.data) expect(Math.abs(value / 3.5 - 1)).toBeLessThan(3e-5);
  });

  it('refuses a kernel whose spectrum would not be real', () => {
    const lopsided = { width: 3, height: 3, data: Float64Array.from([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0]) };
    expect(() => createRedegradeModel({ kernel: lopsided })).toThrow(PhysicsError);
    expect(() => createRedegradeModel({ kernel: lopsided })).toThrow(/symmetric under a half turn/);
  });
});
