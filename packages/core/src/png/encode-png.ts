import { zlibSync } from 'fflate';
import { EnhanceError } from '../errors/index.js';

/**
 * 8-bit pixels, row-major, interleaved: 1 channel = gray, 3 = RGB. Row 0 is the top of the picture (PNG's
 * order): callers showing FITS images put FITS row 0 last, so north is up.
 */
export interface PngPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Encodes a PNG (no interlace, filter type 0 on every row, deflate via fflate): portable to the browser
 * and enough for previews, whose size is dominated by the deflated pixels anyway.
 */
export function encodePng(pixels: PngPixels): Uint8Array {
  const { width, height, channels, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || (channels !== 1 && channels !== 3)) {
    throw new EnhanceError({ code: 'PNG_INVALID', message: `cannot encode a ${width}×${height} PNG with ${channels} channels` });
  }
  if (data.length !== width * height * channels) {
    throw new EnhanceError({
      code: 'PNG_INVALID',
      message: `PNG pixel data has ${data.length} bytes for ${width}×${height}×${channels} = ${width * height * channels}`,
    });
  }
  const rowBytes = width * channels;
  const filtered = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) filtered.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 3 ? 2 : 0; // colour type: truecolour or grayscale
  const chunks = [chunk('IHDR', header), chunk('IDAT', zlibSync(filtered, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const total = SIGNATURE.length + chunks.reduce((sum, part) => sum + part.length, 0);
  const png = new Uint8Array(total);
  png.set(SIGNATURE, 0);
  let offset = SIGNATURE.length;
  for (const part of chunks) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}

function chunk(type: string, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(12 + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) bytes[4 + i] = type.charCodeAt(i);
  bytes.set(payload, 8);
  view.setUint32(8 + payload.length, crc32(bytes.subarray(4, 8 + payload.length)));
  return bytes;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG chunks require. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
