import { describe, expect, it } from 'vitest';
import { rebinPlane } from './rebin.js';
import { createRandom } from '@enhance/graph-builder';

describe('rebinPlane', () => {
  it('keeps a constant constant for non-integer factors', () => {
    const image = { width: 100, height: 80, data: new Float64Array(8000).fill(3.5) };
    const out = rebinPlane(image, { inputScaleArcsec: 0.0662, outputScaleArcsec: 0.504 });
    expect(out.width).toBe(Math.floor((100 * 0.0662) / 0.504));
    for (const v of out.data) expect(v).toBeCloseTo(3.5, 12);
  });

  it.each([{ factor: 2.5 }, { factor: 7.6 }, { factor: 0.4 }])('conserves the flux of the covered area (factor $factor)', ({ factor }) => {
    // The input size is an exact multiple of the factor, so the output covers all of it.
    const outputSide = 10;
    const side = Math.round(outputSide * factor);
    const scale = side / outputSide;
    const random = createRandom(7);
    const image = { width: side, height: side, data: Float64Array.from({ length: side * side }, () => random()) };
    const out = rebinPlane(image, { inputScaleArcsec: 1, outputScaleArcsec: scale });
    expect(out.width).toBe(outputSide);
    const fluxIn = image.data.reduce((a, b) => a + b, 0);
    const fluxOut = out.data.reduce((a, b) => a + b, 0) * scale * scale;
    expect(fluxOut).toBeCloseTo(fluxIn, 9);
  });

  it('averages whole blocks for an integer factor and splits pixels by area otherwise', () => {
    const image = { width: 4, height: 1, data: Float64Array.from([1, 3, 5, 7]) };
    expect(Array.from(rebinPlane({ ...image, height: 1 }, { inputScaleArcsec: 1, outputScaleArcsec: 1 }).data)).toEqual([1, 3, 5, 7]);
    const row = { width: 3, height: 3, data: Float64Array.from([1, 2, 4, 1, 2, 4, 1, 2, 4]) };
    const out = rebinPlane(row, { inputScaleArcsec: 1, outputScaleArcsec: 1.5 });
    // Output pixel 0 covers input [0, 1.5): (1·1 + 2·0.5)/1.5; pixel 1 covers [1.5, 3): (2·0.5 + 4·1)/1.5.
    expect(out.width).toBe(2);
    expect(out.data[0]).toBeCloseTo(2 / 1.5, 12);
    expect(out.data[1]).toBeCloseTo(5 / 1.5, 12);
  });

  it('rejects non-positive scales and images smaller than one output pixel', () => {
    const image = { width: 3, height: 3, data: new Float64Array(9) };
    expect(() => rebinPlane(image, { inputScaleArcsec: 0, outputScaleArcsec: 1 })).toThrow(/input 0"/);
    expect(() => rebinPlane(image, { inputScaleArcsec: 1, outputScaleArcsec: 5 })).toThrow(/smaller than one output pixel/);
  });
});
