import { describe, expect, it } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import { runOnnx } from '@enhance/graph-builder/testing';
import { createRichardsonLucyModel, RICHARDSON_LUCY_INPUT_NAME, RICHARDSON_LUCY_OUTPUT_NAME } from './richardson-lucy-model.js';
import { samplePsfKernel } from './psf-kernel.js';
import { HMI_PSF_PAPER } from './psf.js';
import type { ImagePlane } from './image-plane.js';

// Plain float64 reference: bilinear ×2 with half-pixel centres, reflect-padded direct sums.
function reflect(i: number, n: number): number {
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

function upsampleBilinear(data: number[], width: number, height: number): number[] {
  const out: number[] = [];
  const source = (d: number, n: number) => Math.min(n - 1, Math.max(0, (d + 0.5) / 2 - 0.5));
  for (let y = 0; y < 2 * height; y++) {
    for (let x = 0; x < 2 * width; x++) {
      const sy = source(y, height);
      const sx = source(x, width);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(height - 1, y0 + 1);
      const x1 = Math.min(width - 1, x0 + 1);
      const fy = sy - y0;
      const fx = sx - x0;
      out.push(
        (1 - fy) * ((1 - fx) * data[y0 * width + x0] + fx * data[y0 * width + x1]) +
          fy * ((1 - fx) * data[y1 * width + x0] + fx * data[y1 * width + x1]),
      );
    }
  }
  return out;
}

function blur(u: number[], width: number, height: number, kernel: ImagePlane, adjoint: boolean): number[] {
  const c = (kernel.width - 1) / 2;
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let j = 0; j < kernel.height; j++) {
        for (let i = 0; i < kernel.width; i++) {
          const sy = adjoint ? y - c + j : y + c - j;
          const sx = adjoint ? x - c + i : x + c - i;
          sum += kernel.data[j * kernel.width + i] * u[reflect(sy, height) * width + reflect(sx, width)];
        }
      }
      out.push(sum);
    }
  }
  return out;
}

function richardsonLucy(data: number[], width: number, height: number, kernel: ImagePlane, iterations: number, offset: number): number[] {
  const d = upsampleBilinear(data, width, height).map((v) => v + offset);
  let u = [...d];
  for (let t = 0; t < iterations; t++) {
    const reblurred = blur(u, 2 * width, 2 * height, kernel, false);
    const correction = blur(
      d.map((v, i) => v / Math.max(reblurred[i], 1e-12)),
      2 * width,
      2 * height,
      kernel,
      true,
    );
    u = u.map((v, i) => v * correction[i]);
  }
  return u.map((v) => v - offset);
}

describe('createRichardsonLucyModel', () => {
  it('matches a plain float64 Richardson–Lucy with an asymmetric kernel', async () => {
    const random = createRandom(11);
    const kernel: ImagePlane = { width: 5, height: 5, data: Float64Array.from({ length: 25 }, () => random()) };
    const total = kernel.data.reduce((a, b) => a + b, 0);
    kernel.data.forEach((v, i) => (kernel.data[i] = v / total));
    const width = 7;
    const height = 6;
    const image = Array.from({ length: width * height }, () => 0.5 + random());
    const model = createRichardsonLucyModel({ iterations: 4, kernel });
    const result = await runOnnx(model, {
      [RICHARDSON_LUCY_INPUT_NAME]: { dataType: 'float32', dims: [1, 1, height, width], data: image },
    });
    const output = result[RICHARDSON_LUCY_OUTPUT_NAME];
    expect(output.dims).toEqual([1, 1, 2 * height, 2 * width]);
    const expected = richardsonLucy(image.map(Math.fround), width, height, kernel, 4, 0);
    for (let i = 0; i < expected.length; i++) expect(output.data[i]).toBeCloseTo(expected[i], 4);
  });

  it('deconvolves signed data through an offset, batch of two, with the sampled HMI PSF', async () => {
    const kernel = samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0.252, energyFraction: 0.6 });
    const random = createRandom(12);
    const width = 2 * kernel.radiusPx + 2;
    const image = Array.from({ length: 2 * width * width }, () => random() - 0.5);
    const model = createRichardsonLucyModel({ iterations: 3, energyFraction: 0.6, offset: 2 });
    const result = await runOnnx(model, { [RICHARDSON_LUCY_INPUT_NAME]: { dataType: 'float32', dims: [2, 1, width, width], data: image } });
    const output = result[RICHARDSON_LUCY_OUTPUT_NAME];
    for (const n of [0, 1]) {
      const expected = richardsonLucy(image.slice(n * width * width, (n + 1) * width * width).map(Math.fround), width, width, kernel, 3, 2);
      const offsetOut = n * 4 * width * width;
      for (let i = 0; i < expected.length; i++) expect(output.data[offsetOut + i]).toBeCloseTo(expected[i], 4);
    }
  });

  it('rejects a non-integer iteration count', () => {
    expect(() => createRichardsonLucyModel({ iterations: 0 })).toThrow(/got 0/);
  });
});
