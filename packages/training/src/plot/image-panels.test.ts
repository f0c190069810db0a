import { inflateSync } from 'node:zlib';
import type { Document, Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { elements, parseSvg, texts, withClass } from './svg-document.test-helper.js';
import { PREVIEW_NAN_RGB } from '@enhance/core';
import type { ImagePlane } from '../physics/image-plane.js';
import { renderImagePanels, sharedPercentileRange } from './image-panels.js';

/** Pixels of a PNG as encodePng writes them (filter 0 on every row), rows top first, one array of channels per pixel. */
function decodePng(png: Buffer): number[][][] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = ({ 0: 1, 2: 3 } as Record<number, number>)[png[25]];
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length; offset += 12 + view.getUint32(offset)) {
    if (png.toString('latin1', offset + 4, offset + 8) === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + view.getUint32(offset)));
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = channels * width + 1;
  return Array.from({ length: height }, (_, y) => {
    expect(raw[y * rowBytes]).toBe(0);
    const row = raw.subarray(y * rowBytes + 1, (y + 1) * rowBytes);
    return Array.from({ length: width }, (_, x) => Array.from(row.subarray(channels * x, channels * (x + 1))));
  });
}

function embeddedPngs(doc: Document): number[][][][] {
  return elements(doc, 'image').map((image) => {
    const href = image.getAttribute('xlink:href') ?? image.getAttribute('href') ?? '';
    expect(href.startsWith('data:image/png;base64,')).toBe(true);
    return decodePng(Buffer.from(href.slice('data:image/png;base64,'.length), 'base64'));
  });
}

const plane = (width: number, height: number, value: (x: number, y: number) => number): ImagePlane => ({
  width,
  height,
  data: Float64Array.from({ length: width * height }, (_, i) => value(i % width, Math.floor(i / width))),
});

describe('renderImagePanels', () => {
  it('embeds each image north up (FITS row 0 as the bottom pixel row) on the shared gray scale', async () => {
    // 3 × 2, every pixel different: value = (x + 3y) / 5 on a [0, 1] scale.
    const image = plane(3, 2, (x, y) => (x + 3 * y) / 5);
    const panels = [{ title: 'asymmetric', image, arcsecPerPixel: 1 }];
    const doc = parseSvg(await renderImagePanels({ panels, range: [0, 1], colorBar: { title: 'I/Ic' } }));
    const [pixels] = embeddedPngs(doc);
    const gray = (v: number) => [Math.round(255 * v)];
    expect(pixels).toEqual([
      [gray(3 / 5), gray(4 / 5), gray(5 / 5)], // top row of the picture: FITS row 1
      [gray(0), gray(1 / 5), gray(2 / 5)],
    ]);
    // The y axis runs upward: its 0 is at the image's bottom edge, its largest label at the top.
    const imageElement = elements(doc, 'image')[0];
    expect(imageElement.getAttribute('style')).toContain('pixelated');
    const height = Number(imageElement.getAttribute('height'));
    const yAxis = withClass(doc, 'g', 'role-axis').find((g) => g.getAttribute('aria-label')?.startsWith('Y-axis')) as Element;
    const tickLines = elements(withClass(yAxis, 'g', 'role-axis-tick')[0], 'line');
    const ticks = tickLines.map((l) => Number(/translate\(0,([^)]+)\)/.exec(l.getAttribute('transform') ?? '')?.[1]));
    const labels = texts(withClass(yAxis, 'g', 'role-axis-label')[0]).map(Number);
    expect(labels[0]).toBe(0);
    expect(ticks[0]).toBe(height);
    expect(ticks[labels.length - 1]).toBeCloseTo(height * (1 - labels[labels.length - 1] / 2), 6);
  });

  it('shows images of one field at different pixel scales at the same size, with axes in arcsec and titles', async () => {
    const input = plane(100, 50, () => 0.5);
    const output = plane(200, 100, () => 0.5);
    const doc = parseSvg(
      await renderImagePanels({
        title: 'blos: test',
        panels: [
          { title: 'input', image: input, arcsecPerPixel: 0.504 },
          { title: 'Enhance full', image: output, arcsecPerPixel: 0.252 },
        ],
        range: [-1, 1],
        colorBar: { title: 'B_LOS (G)', unitsPerValue: 1000 },
        panelWidth: 300,
      }),
    );
    const sizes = elements(doc, 'image').map((i) => [i.getAttribute('width'), i.getAttribute('height')]);
    expect(sizes).toEqual([
      ['300', '150'],
      ['300', '150'],
    ]);
    expect(embeddedPngs(doc).map((p) => [p[0].length, p.length])).toEqual([
      [100, 50],
      [200, 100],
    ]);
    const all = texts(doc.documentElement as Element);
    expect(all).toEqual(expect.arrayContaining(['blos: test', 'input', 'Enhance full', 'B_LOS (G)']));
    expect(all.filter((t) => t === 'x (arcsec)')).toHaveLength(2);
    expect(all.filter((t) => t === 'y (arcsec)')).toHaveLength(1);
    const xAxis = withClass(doc, 'g', 'role-axis').find((g) => g.getAttribute('aria-label')?.startsWith('X-axis')) as Element;
    expect(texts(withClass(xAxis, 'g', 'role-axis-label')[0])).toEqual(['0', '10', '20', '30', '40', '50']);
  });

  it('draws one colour bar in physical units, black at the low end of the range and white at the high end', async () => {
    const doc = parseSvg(
      await renderImagePanels({
        panels: [{ title: 'b', image: plane(4, 4, (x) => x - 1.5), arcsecPerPixel: 0.5 }],
        range: [-1, 1],
        colorBar: { title: 'B_LOS (G)', unitsPerValue: 1000 },
      }),
    );
    const legends = withClass(doc, 'g', 'role-legend');
    expect(legends).toHaveLength(1);
    const labels = texts(withClass(legends[0], 'g', 'role-legend-label')[0]);
    expect(labels[0]).toBe('−1,000');
    expect(labels[labels.length - 1]).toBe('1,000');
    const stops = elements(doc, 'stop').map((s) => s.getAttribute('stop-color'));
    expect([stops[0], stops[stops.length - 1]]).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
    // Values beyond the range are clipped to black and white, as on the bar.
    expect(embeddedPngs(doc)[0][0].map(([g]) => g)).toEqual([0, 64, 191, 255]);
  });

  it("marks NaN pixels in the previews' NaN blue", async () => {
    const image = plane(2, 1, (x) => (x === 0 ? Number.NaN : 1));
    const panels = [{ title: 'gap', image, arcsecPerPixel: 1 }];
    const doc = parseSvg(await renderImagePanels({ panels, range: [0, 1], colorBar: { title: 'I/Ic' } }));
    expect(embeddedPngs(doc)[0]).toEqual([[[...PREVIEW_NAN_RGB], [255, 255, 255]]]);
  });
});

describe('sharedPercentileRange', () => {
  it('takes the quantiles of the finite values of all images together', () => {
    const a = plane(10, 10, (x, y) => x + 10 * y);
    const b = plane(1, 2, () => Number.NaN);
    expect(sharedPercentileRange([a, b], 0.1, 0.9)).toEqual([9, 89]);
  });
});
