import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from './encode-png.js';
import { PREVIEW_NAN_RGB, enhancePreviewPixels, renderEnhancePreview } from './enhance-preview.js';

/** A PNG reader for what encodePng writes: chunks, CRCs via node:zlib, IDAT inflated by node:zlib, filter 0. */
function decodePng(png: Uint8Array) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  const types: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let colourType = -1;
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const body = png.subarray(offset + 8, offset + 8 + length);
    expect(view.getUint32(offset + 8 + length)).toBe(zlibCrc32(png.subarray(offset + 4, offset + 8 + length)));
    types.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      expect(body[8]).toBe(8);
      colourType = body[9];
      expect([body[10], body[11], body[12]]).toEqual([0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  expect(types[0]).toBe('IHDR');
  expect(types[types.length - 1]).toBe('IEND');
  const channels = colourType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = width * channels;
  expect(raw.length).toBe((rowBytes + 1) * height);
  const pixels = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (rowBytes + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)), y * rowBytes);
  }
  return { width, height, channels, pixels };
}

describe('encodePng', () => {
  it('writes gray and RGB images that an independent reader decodes to the same pixels', () => {
    const gray = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 256);
    expect(decodePng(encodePng({ width: 7, height: 5, channels: 1, data: gray }))).toEqual({
      width: 7,
      height: 5,
      channels: 1,
      pixels: gray,
    });
    const rgb = Uint8Array.from({ length: 3 * 4 * 3 }, (_, i) => (i * 91) % 256);
    expect(decodePng(encodePng({ width: 3, height: 4, channels: 3, data: rgb }))).toEqual({
      width: 3,
      height: 4,
      channels: 3,
      pixels: rgb,
    });
  });

  it('computes the standard CRC-32', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });

  it('rejects inconsistent sizes', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      'PNG pixel data has 11 bytes for 2×2×3 = 12',
    );
  });
});

describe('renderEnhancePreview', () => {
  it('shows a magnetogram on a symmetric ±1 kG gray scale, input ×2 next to output, NaN in colour', () => {
    // FITS rows: row 0 = [−1 kG, 0], row 1 = [+2 kG, NaN]; the picture is north up, row 0 at the bottom.
    const input = { width: 2, height: 2, data: Float32Array.from([-1000, 0, 2000, Number.NaN]) };
    const output = { width: 4, height: 4, data: new Float32Array(16).fill(500) };
    output.data[5] = Number.NaN; // output row 1, column 1
    const { width, height, pixels } = decodePng(renderEnhancePreview({ kind: 'blos', input, output }));
    expect([width, height]).toEqual([4 + 4 + 4, 4]);
    const at = (x: number, pngRow: number) => [...pixels.subarray((pngRow * width + x) * 3, (pngRow * width + x) * 3 + 3)];
    expect(at(0, 3)).toEqual([0, 0, 0]); // −1 kG, FITS row 0 in the bottom PNG row
    expect(at(1, 2)).toEqual([0, 0, 0]); // nearest ×2 repeats the input pixel
    expect(at(2, 3)).toEqual([128, 128, 128]); // 0 G: round(127.5)
    expect(at(0, 1)).toEqual([255, 255, 255]); // +2 kG clipped
    expect(at(3, 0)).toEqual([...PREVIEW_NAN_RGB]);
    expect(at(8, 0)).toEqual([191, 191, 191]); // output panel after the 4-px gap: +500 G
    expect(at(9, 2)).toEqual([...PREVIEW_NAN_RGB]); // output row 1 is the second PNG row from the bottom
  });

  it('is north up: FITS row 0 lands in the bottom pixel row of both panels', () => {
    const width = 6;
    const height = 5;
    // Row 0 bright, every other row dark: its position in the decoded PNG is unambiguous.
    const image = (w: number, h: number, rows0: number) => ({
      width: w,
      height: h,
      data: Float32Array.from({ length: w * h }, (_, i) => (Math.floor(i / w) < rows0 ? 1000 : -1000)),
    });
    const png = decodePng(renderEnhancePreview({ kind: 'blos', input: image(width, height, 1), output: image(2 * width, 2 * height, 2) }));
    expect(png.height).toBe(2 * height);
    const grayOfRow = (row: number, x0: number) => Array.from({ length: 2 * width }, (_, x) => png.pixels[(row * png.width + x0 + x) * 3]);
    for (const x0 of [0, 2 * width + 4]) {
      // The ×2 input and the output both show FITS row 0 in their last two PNG rows.
      expect(grayOfRow(png.height - 1, x0)).toEqual(new Array(2 * width).fill(255));
      expect(grayOfRow(png.height - 2, x0)).toEqual(new Array(2 * width).fill(255));
      expect(grayOfRow(png.height - 3, x0)).toEqual(new Array(2 * width).fill(0));
      expect(grayOfRow(0, x0)).toEqual(new Array(2 * width).fill(0));
    }
  });

  it('stretches intensity between shared percentiles and decimates large panels', () => {
    const input = { width: 100, height: 50, data: Float32Array.from({ length: 5000 }, (_, i) => i) };
    const output = { width: 200, height: 100, data: Float32Array.from({ length: 20_000 }, (_, i) => i / 4) };
    const pixels = enhancePreviewPixels({ kind: 'intensity', input, output, maxPanelSide: 100 });
    expect([pixels.width, pixels.height]).toEqual([100 + 100 + 4, 50]);
    // The darkest pixel (FITS row 0, column 0) is bottom left, the brightest (last row, last column) top right.
    expect(pixels.data[(pixels.height - 1) * pixels.width * 3]).toBe(0);
    expect(pixels.data[99 * 3]).toBe(255);
  });
});
