import { encodePng, writeDisplayRgb } from '@enhance/core';
import type { ImagePlane } from '../physics/image-plane.js';
import type { GroupMark, Spec } from 'vega';
import { renderSvg } from './render-svg.js';

export interface ImagePanel {
  readonly title: string;
  readonly image: ImagePlane;
  /** The axes are in arcsec from the image's lower-left corner. */
  readonly arcsecPerPixel: number;
}

export interface ColorBar {
  /** The physical quantity and its unit, e.g. 'I/Ic' or 'B_LOS (G)'. */
  readonly title: string;
  /** Physical units per image value (1000 for images in kG shown in G; default 1). */
  readonly unitsPerValue?: number;
}

export interface ImagePanelsOptions {
  readonly panels: readonly ImagePanel[];
  /** Image values mapped to black and white, shared by all panels so they compare. */
  readonly range: readonly [number, number];
  readonly colorBar: ColorBar;
  readonly title?: string;
  /** Width in pixels of the panel with the widest field of view (default 280); the others to the same scale. */
  readonly panelWidth?: number;
}

/** The [low, high] quantiles of the finite values of several images together. */
export function sharedPercentileRange(images: readonly ImagePlane[], low = 0.005, high = 0.995): [number, number] {
  const values = images.flatMap((image) => Array.from(image.data).filter(Number.isFinite)).sort((a, b) => a - b);
  return [values[Math.floor(low * (values.length - 1))], values[Math.floor(high * (values.length - 1))]];
}

/**
 * The image as a PNG on the previews' gray scale (core's writeDisplayRgb: `range` to black…white, NaN
 * blue), north up: PNG rows run top down, so FITS row 0 is written last. Gray when every value is finite.
 */
export function northUpPng(image: ImagePlane, range: readonly [number, number]): Uint8Array {
  const { width, height } = image;
  const displayRange = { low: range[0], high: range[1] };
  const channels = image.data.every((v) => !Number.isNaN(v)) ? 1 : 3;
  const data = new Uint8Array(width * height * channels);
  const rgb = new Uint8Array(3);
  for (let row = 0; row < height; row++) {
    const fitsRow = height - 1 - row;
    for (let x = 0; x < width; x++) {
      const value = image.data[fitsRow * width + x];
      if (channels === 3) {
        writeDisplayRgb(data, 3 * (row * width + x), value, displayRange);
      } else {
        writeDisplayRgb(rgb, 0, value, displayRange);
        data[row * width + x] = rgb[0];
      }
    }
  }
  return encodePng({ width, height, channels, data });
}

/**
 * The Vega specification of images side by side on one gray scale: each panel titled, with axes in arcsec,
 * drawn pixel for pixel (no smoothing) to a common arcsec-per-pixel scale, and one colour bar in physical
 * units for all of them.
 */
export function imagePanelsSpec(options: ImagePanelsOptions): Spec {
  const { panels, range, colorBar, title, panelWidth = 280 } = options;
  const unitsPerValue = colorBar.unitsPerValue ?? 1;
  const fields = panels.map((p) => [p.image.width * p.arcsecPerPixel, p.image.height * p.arcsecPerPixel] as const);
  const pixelsPerArcsec = panelWidth / Math.max(...fields.map(([w]) => w));
  const marks: GroupMark[] = panels.map((panel, n) => {
    const [fieldWidth, fieldHeight] = fields[n];
    const width = Math.round(fieldWidth * pixelsPerArcsec);
    const height = Math.round(fieldHeight * pixelsPerArcsec);
    const url = `data:image/png;base64,${Buffer.from(northUpPng(panel.image, range)).toString('base64')}`;
    return {
      type: 'group',
      name: `panel-${n}`,
      title: { text: panel.title, fontSize: 13, fontWeight: 'normal', offset: 6 },
      encode: { enter: { width: { value: width }, height: { value: height } } },
      scales: [
        { name: 'x', type: 'linear', domain: [0, fieldWidth], range: [0, width], zero: false, nice: false },
        { name: 'y', type: 'linear', domain: [0, fieldHeight], range: [height, 0], zero: false, nice: false },
      ],
      axes: [
        { orient: 'bottom', scale: 'x', title: 'x (arcsec)', tickCount: 5 },
        { orient: 'left', scale: 'y', tickCount: 5, ...(n === 0 ? { title: 'y (arcsec)' } : {}) },
      ],
      marks: [
        {
          type: 'image',
          encode: {
            enter: {
              url: { value: url },
              x: { value: 0 },
              y: { value: 0 },
              width: { value: width },
              height: { value: height },
              aspect: { value: false },
              smooth: { value: false },
            },
          },
        },
      ],
    };
  });
  const tallest = Math.max(...fields.map(([, h]) => Math.round(h * pixelsPerArcsec)));
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    padding: 8,
    ...(title ? { title: { text: title } } : {}),
    layout: { columns: panels.length, padding: { column: 18, row: 10 }, bounds: 'full', align: 'none' },
    scales: [
      {
        name: 'color',
        type: 'linear',
        domain: [range[0] * unitsPerValue, range[1] * unitsPerValue],
        range: ['#000000', '#ffffff'],
        interpolate: 'rgb',
        zero: false,
        nice: false,
      },
    ],
    legends: [
      {
        fill: 'color',
        type: 'gradient',
        title: colorBar.title,
        orient: 'right',
        direction: 'vertical',
        gradientLength: tallest,
        gradientThickness: 14,
        tickCount: 5,
      },
    ],
    marks,
  };
}

/**
 * Images side by side as SVG text, each embedded as a PNG, north up as sunpy, ds9, the demo page and the
 * CLI's preview show solar images: row 0 at the bottom.
 */
export function renderImagePanels(options: ImagePanelsOptions): Promise<string> {
  return renderSvg(imagePanelsSpec(options));
}
