import { GLYPH_HEIGHT } from './bitmap-font.js';
import { Raster, type Rgb } from './raster.js';
import type { PngPixels } from '@enhance/core';

export interface LineSeries {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: Rgb;
}

export interface LinePlotOptions {
  readonly series: readonly LineSeries[];
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** 'log': y drawn as log10 with ticks at powers of ten. */
  readonly yScale?: 'linear' | 'log';
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
  /** Vertical dashed lines, e.g. the band a statistic was computed over. */
  readonly markers?: readonly number[];
}

export const PLOT_COLORS: Readonly<Record<'black' | 'blue' | 'orange' | 'green' | 'red' | 'gray', Rgb>> = Object.freeze({
  black: [0, 0, 0], blue: [31, 119, 180], orange: [255, 127, 14], green: [44, 160, 44], red: [214, 39, 40], gray: [150, 150, 150],
});

function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa < 1.5 ? 1 : mantissa < 3 ? 2 : mantissa < 7 ? 5 : 10) * power;
}

function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}

/** Rasterises a line plot (axes, ticks, labels, legend) into RGB pixels. */
export function renderLinePlot(options: LinePlotOptions): PngPixels {
  const { series, xLabel, yLabel, yScale = 'linear', width = 800, height = 560, title, markers = [] } = options;
  const transformY = (v: number) => (yScale === 'log' ? Math.log10(v) : v);
  const points = series.map((s) => Array.from({ length: s.x.length }, (_, i) => [s.x[i], transformY(s.y[i])] as const)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const all = points.flat();
  const [xMin, xMax] = options.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const visible = all.filter(([x]) => x >= xMin && x <= xMax);
  const [yMin, yMax] = options.yRange
    ? options.yRange.map(transformY)
    : [Math.min(...visible.map((p) => p[1])), Math.max(...visible.map((p) => p[1]))];
  const raster = new Raster(width, height);
  const left = 90;
  const right = width - 20;
  const top = title ? 40 : 20;
  const bottom = height - 60;
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (right - left);
  const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin)) * (bottom - top);
  const ink = PLOT_COLORS.black;
  const grid: Rgb = [225, 225, 225];
  const xStep = niceStep(xMax - xMin, 8);
  for (let t = Math.ceil(xMin / xStep) * xStep; t <= xMax + 1e-9; t += xStep) {
    raster.line(px(t), top, px(t), bottom, grid);
    raster.line(px(t), bottom, px(t), bottom + 5, ink);
    raster.text(px(t), bottom + 10, formatTick(t, xStep), ink, 2, 'centre');
  }
  const yStep = yScale === 'log' ? Math.max(1, Math.round(niceStep(yMax - yMin, 6))) : niceStep(yMax - yMin, 6);
  for (let t = Math.ceil(yMin / yStep) * yStep; t <= yMax + 1e-9; t += yStep) {
    raster.line(left, py(t), right, py(t), grid);
    raster.line(left - 5, py(t), left, py(t), ink);
    raster.text(left - 8, py(t) - GLYPH_HEIGHT, yScale === 'log' ? `1E${Math.round(t)}` : formatTick(t, yStep), ink, 2, 'right');
  }
  for (const m of markers) {
    for (let y = top; y < bottom; y += 8) raster.line(px(m), y, px(m), Math.min(bottom, y + 4), PLOT_COLORS.gray);
  }
  points.forEach((pts, n) => {
    const inside = pts.filter(([x]) => x >= xMin && x <= xMax);
    for (let i = 1; i < inside.length; i++) {
      const clampY = (y: number) => Math.min(bottom, Math.max(top, py(y)));
      raster.line(px(inside[i - 1][0]), clampY(inside[i - 1][1]), px(inside[i][0]), clampY(inside[i][1]), series[n].color, 2);
    }
  });
  raster.line(left, top, left, bottom, ink);
  raster.line(left, bottom, right, bottom, ink);
  raster.line(right, top, right, bottom, ink);
  raster.line(left, top, right, top, ink);
  raster.text((left + right) / 2, height - 22, xLabel, ink, 2, 'centre');
  raster.text(8, top - 16 < 0 ? 2 : top - 16, yLabel, ink, 2, 'left');
  if (title) raster.text(width / 2, 8, title, ink, 3, 'centre');
  series.forEach((s, n) => {
    const y = top + 12 + n * 18;
    raster.line(right - 230, y + 5, right - 200, y + 5, s.color, 3);
    raster.text(right - 192, y, s.label, ink, 2);
  });
  return raster.toPngPixels();
}
