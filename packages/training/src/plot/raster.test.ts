import { describe, expect, it } from 'vitest';
import { glyphInk } from './bitmap-font.js';
import { Raster } from './raster.js';
import { PLOT_COLORS, renderLinePlot } from './line-plot.js';

const pixel = (data: Uint8Array, width: number, x: number, y: number) => Array.from(data.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));

describe('Raster', () => {
  it('draws a diagonal line through exactly the pixels of y = x', () => {
    const raster = new Raster(10, 10);
    raster.line(1, 1, 8, 8, [255, 0, 0]);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 10; x++) {
        expect(pixel(raster.data, 10, x, y)).toEqual(x === y && x >= 1 && x <= 8 ? [255, 0, 0] : [255, 255, 255]);
      }
    }
  });

  it('renders glyphs from the font table at the requested scale', () => {
    const raster = new Raster(8, 12);
    raster.text(0, 0, '1', [0, 0, 0], 2);
    for (let gy = 0; gy < 5; gy++) for (let gx = 0; gx < 3; gx++) {
      const expected = glyphInk('1', gx, gy) ? [0, 0, 0] : [255, 255, 255];
      expect(pixel(raster.data, 8, 2 * gx + 1, 2 * gy + 1)).toEqual(expected);
    }
    expect(glyphInk('a', 1, 0)).toBe(glyphInk('A', 1, 0));
  });
});

describe('renderLinePlot', () => {
  it('places a constant series on the horizontal line of its value', () => {
    const plot = renderLinePlot({
      series: [{ label: 'flat', x: [0, 1], y: [10, 10], color: PLOT_COLORS.red }],
      xLabel: 'x', yLabel: 'y', yScale: 'log', xRange: [0, 1], yRange: [1, 100], width: 400, height: 300,
    });
    // Plot frame: left 90, right 380, top 20, bottom 240; log10(10) is halfway between 0 and 2.
    const row = Math.round(240 - 0.5 * (240 - 20));
    let red = 0;
    for (let x = 100; x < 370; x++) if (pixel(plot.data, 400, x, row).join() === PLOT_COLORS.red.join()) red += 1;
    expect(red).toBeGreaterThan(250);
    expect(pixel(plot.data, 400, 200, row + 20)).not.toEqual([...PLOT_COLORS.red]);
  });
});
