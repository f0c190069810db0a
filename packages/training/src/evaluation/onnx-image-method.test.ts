import { describe, expect, it } from 'vitest';
import { createBicubicModel, onnxImageMethod } from './onnx-image-method.js';

// Keys (1981) cubic convolution kernel, a = −0.5.
function keys(t: number): number {
  const x = Math.abs(t);
  const a = -0.5;
  if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
  if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
  return 0;
}

describe('bicubic ×2', () => {
  it('reproduces a linear ramp away from the edges and matches the Keys kernel', async () => {
    const width = 8;
    const height = 6;
    const data = Float64Array.from({ length: width * height }, (_, i) => 0.3 * (i % width) + 0.1 * Math.floor(i / width));
    const method = await onnxImageMethod('bicubic', createBicubicModel());
    const out = await method.run({ width, height, data });
    await method.release();
    expect(out.width).toBe(16);
    // Output pixel x samples input coordinate (x + 0.5)/2 − 0.5; a cubic reproduces linear functions.
    for (let y = 4; y < 8; y++)
      for (let x = 4; x < 12; x++) {
        expect(out.data[y * 16 + x]).toBeCloseTo(0.3 * ((x + 0.5) / 2 - 0.5) + 0.1 * ((y + 0.5) / 2 - 0.5), 5);
      }
    // A single interior spike spreads with the Keys weights at ±0.25 and ±0.75 pixel offsets.
    const spike = new Float64Array(width * height);
    spike[3 * width + 4] = 1;
    const spread = await (await onnxImageMethod('bicubic', createBicubicModel())).run({ width, height, data: spike });
    expect(spread.data[6 * 16 + 8]).toBeCloseTo(keys(0.25) * keys(0.25), 6);
    expect(spread.data[6 * 16 + 10]).toBeCloseTo(keys(0.25) * keys(0.75), 6);
  });
});
