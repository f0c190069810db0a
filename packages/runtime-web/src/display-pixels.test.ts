import { describe, expect, it } from 'vitest';
import { PREVIEW_NAN_RGB } from '@enhance/core';
import { displayRange } from '@enhance/core';
import { displayPixels, rgbFromRgba } from './display-pixels.js';

describe('displayRange', () => {
  it('is ±1 kG for magnetograms by default, or the range asked for', () => {
    const image = { data: Float32Array.from([-3000, 5]), width: 2, height: 1 };
    expect(displayRange('blos', [image])).toEqual({ low: -1000, high: 1000 });
    expect(displayRange('blos', [image], 250)).toEqual({ low: -250, high: 250 });
  });

  it('spans the 0.5–99.5 percentiles of the finite pixels of all images for intensity', () => {
    const ramp = { data: Float32Array.from({ length: 1001 }, (_, i) => i), width: 1001, height: 1 };
    const withNan = { data: Float32Array.from([Number.NaN, 500]), width: 2, height: 1 };
    // 1002 finite samples 0..1000 and 500: the 0.5 % and 99.5 % ranks fall on 5 and 995.
    expect(displayRange('intensity', [ramp, withNan])).toEqual({ low: 5, high: 995 });
  });
});

describe('displayPixels', () => {
  it('maps low → 0 and high → 255 (clipped), puts FITS row 0 at the bottom, and colours NaN', () => {
    // Row 0 (bottom in FITS): -1000, 0; row 1 (top): 2000, NaN.
    const image = { data: Float32Array.from([-1000, 0, 2000, Number.NaN]), width: 2, height: 2 };
    const rgba = displayPixels(image, { low: -1000, high: 1000 });
    const pixel = (x: number, y: number) => Array.from(rgba.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 4));
    expect(pixel(0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(1, 0)).toEqual([...PREVIEW_NAN_RGB, 255]);
    expect(pixel(0, 1)).toEqual([0, 0, 0, 255]);
    expect(pixel(1, 1)).toEqual([128, 128, 128, 255]);
    expect(Array.from(rgbFromRgba(rgba))).toEqual([255, 255, 255, ...PREVIEW_NAN_RGB, 0, 0, 0, 128, 128, 128]);
  });
});
