import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '@enhance/core';
import { renderImagePanels } from './image-panels.js';

/** Gray levels of one pixel column, top to bottom, read back from the PNG bytes with node:zlib. */
function pngColumn(png: Uint8Array, x: number): number[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset < png.length; offset += 12 + view.getUint32(offset)) {
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + view.getUint32(offset)));
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = 3 * width + 1;
  return Array.from({ length: height }, (_, y) => {
    expect(raw[y * rowBytes]).toBe(0); // filter type none
    return raw[y * rowBytes + 1 + 3 * x];
  });
}

describe('renderImagePanels', () => {
  it('is north up: row 0 of every panel is its bottom pixel row', () => {
    // Row 0 black (0), the other rows mid gray (0.5 on a [0, 1] scale); the background is white.
    const plane = (width: number, height: number) => ({
      width,
      height,
      data: Float64Array.from({ length: width * height }, (_, i) => (i < width ? 0 : 0.5)),
    });
    const pixels = renderImagePanels({ panels: [{ title: '', image: plane(4, 3) }, { title: '', image: plane(8, 6) }], range: [0, 1] });
    const png = encodePng(pixels);
    // The first panel (4 px wide, repeated ×2 to the 8-px panel width) starts after a 10-px gap; the second follows it.
    for (const [x, repeat, height] of [[11, 2, 3], [10 + 8 + 10 + 1, 1, 6]]) {
      const painted = pngColumn(png, x).filter((gray) => gray !== 255);
      expect(painted).toEqual([...new Array((height - 1) * repeat).fill(128), ...new Array(repeat).fill(0)]);
    }
  });
});
