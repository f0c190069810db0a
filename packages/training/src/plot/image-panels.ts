import type { PngPixels } from '@enhance/core';
import type { ImagePlane } from '@enhance/graph-builder';
import { Raster } from './raster.js';

export interface ImagePanel {
  readonly title: string;
  readonly image: ImagePlane;
}

export interface ImagePanelsOptions {
  readonly panels: readonly ImagePanel[];
  /** Values mapped to black and white, shared by all panels so they compare. */
  readonly range: readonly [number, number];
  /** Each panel is shown at this width, pixels repeated by a whole factor (default: the widest panel's). */
  readonly panelWidth?: number;
  readonly title?: string;
}

/** The [low, high] quantiles of the finite values of several images together. */
export function sharedPercentileRange(images: readonly ImagePlane[], low = 0.005, high = 0.995): [number, number] {
  const values = images.flatMap((image) => Array.from(image.data).filter(Number.isFinite)).sort((a, b) => a - b);
  return [values[Math.floor(low * (values.length - 1))], values[Math.floor(high * (values.length - 1))]];
}

/**
 * Images side by side on one gray scale, each titled; smaller images are shown with pixels repeated.
 * North up, as sunpy, ds9, the demo page and the CLI's preview show solar images: row 0 at the bottom.
 */
export function renderImagePanels(options: ImagePanelsOptions): PngPixels {
  const { panels, range, title } = options;
  const widest = Math.max(...panels.map((p) => p.image.width));
  const panelWidth = options.panelWidth ?? widest;
  const repeats = panels.map((p) => Math.max(1, Math.floor(panelWidth / p.image.width)));
  const shownHeights = panels.map((p, i) => p.image.height * repeats[i]);
  const gap = 10;
  const header = (title ? 26 : 0) + 20;
  const width = panels.reduce((w, p, i) => w + p.image.width * repeats[i], 0) + gap * (panels.length + 1);
  const height = header + Math.max(...shownHeights) + gap;
  const raster = new Raster(width, height);
  if (title) raster.text(width / 2, 6, title, [0, 0, 0], 3, 'centre');
  const [low, high] = range;
  let left = gap;
  panels.forEach((panel, n) => {
    const { image } = panel;
    const repeat = repeats[n];
    raster.text(left + (image.width * repeat) / 2, header - 14, panel.title, [0, 0, 0], 2, 'centre');
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const v = image.data[y * image.width + x];
        const level = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - low) / (high - low)))) : -1;
        const color = level < 0 ? ([40, 70, 160] as const) : ([level, level, level] as const);
        raster.fillRect(left + x * repeat, header + (image.height - 1 - y) * repeat, repeat, repeat, color);
      }
    }
    left += image.width * repeat + gap;
  });
  return raster.toPngPixels();
}
