import { binaryTableLayout, type BinaryTableColumn, elementBytes, readDescriptor, readScalar } from './binary-table.js';
import { decompressSync } from 'fflate';
import { decodeImageData, type FitsBitpix, isFitsBitpix } from './decode-image-data.js';
import { undither } from './dither-random.js';
import { FitsError } from './fits-error.js';
import type { FitsHduInfo } from './list-hdus.js';
import { riceDecompress, type RiceBytePix } from './rice-decompress.js';

/** Quantisation methods of tile-compressed float images (ZQUANTIZ). */
export type FitsQuantize = 'NO_DITHER' | 'SUBTRACTIVE_DITHER_1' | 'SUBTRACTIVE_DITHER_2' | 'NONE';

/** Tile compressions the reader decodes (ZCMPTYPE). */
export type FitsCompression = 'RICE_1' | 'GZIP_1' | 'GZIP_2';
export const FITS_COMPRESSIONS: readonly FitsCompression[] = Object.freeze(['RICE_1', 'GZIP_1', 'GZIP_2']);

/**
 * Decodes a tile-compressed image (the binary-table form JSOC exports, RICE_1 there) into physical
 * values. Integer images get BSCALE/BZERO and BLANK (or ZBLANK) → NaN; quantised float images get
 * ZSCALE/ZZERO per tile and, when ZQUANTIZ asks for it, the subtractive dither undone. Tiles the
 * writer kept lossless sit in GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA and are read as they are.
 */
export function decodeCompressedImage<Out extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  hdu: FitsHduInfo,
  out: Out,
  file?: string,
): Out {
  const { header } = hdu;
  const where = `HDU ${hdu.index} (tile-compressed image)`;
  const shape = hdu.imageShape ?? [];
  const [width, height = 1] = shape;
  const zbitpix = hdu.bitpix ?? 0;
  const unsupported = (message: string, details: Record<string, unknown>): never => {
    throw new FitsError({ code: 'FITS_UNSUPPORTED_COMPRESSION', file, message: `${where}: ${message}`, details });
  };
  const compression = hdu.compression as FitsCompression;
  if (!FITS_COMPRESSIONS.includes(compression)) {
    unsupported(`ZCMPTYPE = '${hdu.compression ?? ''}': supported are ${FITS_COMPRESSIONS.join(', ')}`, {
      compression: hdu.compression,
    });
  }
  if (!isFitsBitpix(zbitpix) || zbitpix === 64) {
    unsupported(`ZBITPIX = ${zbitpix}: expected 8-, 16- or 32-bit integers or floats`, { zbitpix });
  }

  const tileWidth = header.getNumber('ZTILE1') ?? width;
  const tileHeight = header.getNumber('ZTILE2') ?? 1;
  for (let axis = 3; axis <= shape.length; axis += 1) {
    const tile = header.getNumber(`ZTILE${axis}`) ?? 1;
    if (tile !== 1) unsupported(`ZTILE${axis} = ${tile}: tiles spanning several planes are not supported`, { axis, tile });
  }
  const parameters = new Map<string, number>();
  for (let n = 1; header.has(`ZNAME${n}`); n += 1) {
    const name = (header.getString(`ZNAME${n}`) ?? '').trim().toUpperCase();
    const value = header.getNumber(`ZVAL${n}`);
    if (value !== undefined) parameters.set(name, value);
  }
  const blockSize = parameters.get('BLOCKSIZE') ?? 32;
  const bytePix = parameters.get('BYTEPIX') ?? (zbitpix > 0 ? zbitpix / 8 : 4);
  if (bytePix !== 1 && bytePix !== 2 && bytePix !== 4) {
    unsupported(`BYTEPIX = ${bytePix}: RICE_1 supports 1, 2 or 4`, { bytePix });
  }

  const quantize = ((header.getString('ZQUANTIZ') ?? 'NO_DITHER').trim().toUpperCase() || 'NO_DITHER') as FitsQuantize;
  const dithered = zbitpix < 0 && (quantize === 'SUBTRACTIVE_DITHER_1' || quantize === 'SUBTRACTIVE_DITHER_2');
  const ditherSeed = header.getNumber('ZDITHER0') ?? 1;

  const layout = binaryTableLayout(header, where, file);
  const column = (name: string): BinaryTableColumn | undefined => layout.columns.find((c) => c.name === name);
  const compressedColumn = column('COMPRESSED_DATA');
  const uncompressedColumn = column('UNCOMPRESSED_DATA');
  const gzipColumn = column('GZIP_COMPRESSED_DATA');
  const scaleColumn = column('ZSCALE');
  const zeroColumn = column('ZZERO');
  const blankColumn = column('ZBLANK');
  if (!compressedColumn?.descriptor) {
    unsupported('no COMPRESSED_DATA variable-length column', { columns: layout.columns.map((c) => c.name) });
  }

  const keywordBlank = header.getNumber('ZBLANK') ?? (zbitpix > 0 ? header.getNumber('BLANK') : undefined);
  const integerScale = header.getNumber('BSCALE') ?? 1;
  const integerZero = header.getNumber('BZERO') ?? 0;
  const keywordScale = header.getNumber('ZSCALE');
  const keywordZero = header.getNumber('ZZERO');

  const data = bytes.subarray(hdu.dataOffset, hdu.dataOffset + hdu.dataLength);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const heapStart = layout.heapOffset;
  const tilesAcross = Math.ceil(width / tileWidth);
  const tilesDown = Math.ceil(height / tileHeight);
  const expectedTiles = tilesAcross * tilesDown;
  if (layout.rows < expectedTiles) {
    throw new FitsError({
      code: 'FITS_CORRUPT_TILE',
      file,
      message: `${where}: the table has ${layout.rows} rows but a ${width}×${height} image in ${tileWidth}×${tileHeight} tiles needs ${expectedTiles}`,
      details: { rows: layout.rows, expectedTiles, width, height, tileWidth, tileHeight },
    });
  }

  for (let tileIndex = 0; tileIndex < expectedTiles; tileIndex += 1) {
    const x0 = (tileIndex % tilesAcross) * tileWidth;
    const y0 = Math.floor(tileIndex / tilesAcross) * tileHeight;
    const w = Math.min(tileWidth, width - x0);
    const h = Math.min(tileHeight, height - y0);
    const count = w * h;
    const tileValues = new Float64Array(count);
    const scatter = () => {
      for (let row = 0, i = 0; row < h; row += 1) {
        const start = (y0 + row) * width + x0;
        for (let column = 0; column < w; column += 1, i += 1) out[start + column] = tileValues[i];
      }
    };
    const rowStart = tileIndex * layout.rowBytes;
    const tileWhere = `${where}, tile ${tileIndex + 1}`;
    const heapBytes = (col: BinaryTableColumn) => {
      const { count: elements, heapOffset } = readDescriptor(view, rowStart + col.offset, col.descriptor as 'P' | 'Q');
      const start = heapStart + heapOffset;
      const length = elements * elementBytes(col.type);
      if (start + length > data.length) {
        throw new FitsError({
          code: 'FITS_TRUNCATED',
          file,
          message: `${tileWhere}: its ${length} bytes at heap offset ${heapOffset} run past the data unit (${data.length} bytes)`,
          details: { tile: tileIndex + 1, heapOffset, length, dataLength: data.length },
        });
      }
      return { bytes: data.subarray(start, start + length), elements };
    };

    const compressed = heapBytes(compressedColumn as BinaryTableColumn);
    const perTile = (col: BinaryTableColumn | undefined) => (col ? readScalar(view, rowStart + col.offset, col.type) : undefined);
    const scale = perTile(scaleColumn) ?? keywordScale;
    const zero = perTile(zeroColumn) ?? keywordZero;
    const blank = perTile(blankColumn) ?? keywordBlank;
    const quantised = zbitpix < 0 && scale !== undefined && zero !== undefined;

    let stored: Int32Array | undefined;
    if (compressed.elements > 0 && compression === 'RICE_1') {
      stored = riceDecompress(compressed.bytes, count, blockSize, bytePix as RiceBytePix, tileWhere);
    } else if (compressed.elements > 0) {
      const raw = gunzipTile(compressed.bytes, tileWhere, file);
      // Quantised floats are gzipped as 32-bit integers, everything else in its own type.
      const storedBitpix = quantised ? 32 : zbitpix;
      if (compression === 'GZIP_2') unshuffle(raw, Math.abs(storedBitpix) / 8);
      if (storedBitpix > 0) stored = readIntegers(raw, storedBitpix, count, tileWhere, file);
      else readRaw(raw, storedBitpix as FitsBitpix, count, tileValues, tileWhere, file);
    } else {
      // A tile the writer kept lossless: gzipped in GZIP_COMPRESSED_DATA or raw in UNCOMPRESSED_DATA.
      const gzipped = gzipColumn?.descriptor ? heapBytes(gzipColumn) : undefined;
      const rawColumn = uncompressedColumn?.descriptor ? uncompressedColumn : undefined;
      const raw = gzipped && gzipped.elements > 0 ? gunzipTile(gzipped.bytes, tileWhere, file) : rawColumn ? heapBytes(rawColumn).bytes : undefined;
      const rawBitpix = gzipped && gzipped.elements > 0 ? zbitpix : rawColumn ? COLUMN_BITPIX[rawColumn.type] : undefined;
      if (!raw || rawBitpix === undefined) {
        throw new FitsError({
          code: 'FITS_CORRUPT_TILE',
          file,
          message: `${tileWhere}: no compressed bytes and no GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA for its ${count} pixels`,
          details: { tile: tileIndex + 1, count },
        });
      }
      if (rawBitpix > 0) stored = readIntegers(raw, rawBitpix, count, tileWhere, file);
      else readRaw(raw, rawBitpix as FitsBitpix, count, tileValues, tileWhere, file);
    }

    if (stored === undefined) {
      // Float pixels read as they were written.
    } else if (zbitpix > 0) {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : integerZero + integerScale * value;
      }
    } else if (!quantised) {
      unsupported(`ZBITPIX = ${zbitpix} stored as integers without ZSCALE/ZZERO to turn them back into floats`, { tile: tileIndex + 1 });
    } else if (dithered) {
      undither(stored, tileValues, {
        tile: tileIndex + 1,
        ditherSeed,
        scale: scale as number,
        zero: zero as number,
        blank,
        zeroCode: quantize === 'SUBTRACTIVE_DITHER_2',
      });
    } else {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : value * (scale as number) + (zero as number);
      }
    }
    scatter();
  }
  return out;
}

const COLUMN_BITPIX: Readonly<Record<string, FitsBitpix>> = { B: 8, I: 16, J: 32, E: -32, D: -64 };

function corruptTile(where: string, file: string | undefined, message: string, details: Record<string, unknown>, cause?: unknown): FitsError {
  return new FitsError({ code: 'FITS_CORRUPT_TILE', file, message: `${where}: ${message}`, details, cause });
}

function gunzipTile(bytes: Uint8Array, where: string, file: string | undefined): Uint8Array {
  try {
    // decompressSync recognises gzip and zlib streams alike.
    return decompressSync(bytes);
  } catch (error) {
    throw corruptTile(where, file, `its ${bytes.length} gzip bytes do not decompress (${String(error)})`, { length: bytes.length }, error);
  }
}

/** GZIP_2 stores the most significant bytes of all pixels first, then the next bytes, and so on. */
function unshuffle(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  const count = bytes.length / width;
  const shuffled = bytes.slice();
  for (let k = 0; k < width; k += 1) for (let i = 0; i < count; i += 1) bytes[i * width + k] = shuffled[k * count + i];
}

function checkLength(raw: Uint8Array, bitpix: number, count: number, where: string, file: string | undefined): void {
  const needed = (count * Math.abs(bitpix)) / 8;
  if (raw.length < needed) {
    throw corruptTile(where, file, `${raw.length} bytes for ${count} pixels of BITPIX ${bitpix} (${needed} needed)`, { length: raw.length, needed });
  }
}

function readIntegers(raw: Uint8Array, bitpix: number, count: number, where: string, file: string | undefined): Int32Array {
  checkLength(raw, bitpix, count, where, file);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Int32Array(count);
  if (bitpix === 8) for (let i = 0; i < count; i += 1) out[i] = raw[i];
  else if (bitpix === 16) for (let i = 0; i < count; i += 1) out[i] = view.getInt16(2 * i);
  else for (let i = 0; i < count; i += 1) out[i] = view.getInt32(4 * i);
  return out;
}

function readRaw(raw: Uint8Array, bitpix: FitsBitpix, count: number, out: Float64Array, where: string, file: string | undefined): void {
  checkLength(raw, bitpix, count, where, file);
  decodeImageData(raw, bitpix, count, { bscale: 1, bzero: 0, blank: undefined }, out);
}
