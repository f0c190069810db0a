import { binaryTableLayout, type BinaryTableColumn, elementBytes, readDescriptor, readScalar } from './binary-table.js';
import { decompressSync } from 'fflate';
import { decodeImageData, type FitsBitpix } from './decode-image-data.js';
import { DITHER_RANDOM_COUNT, undither } from './dither-random.js';
import { FitsError } from './fits-error.js';
import { finiteKeyword, hduName, integerKeyword, type KeywordContext, keywordError, optionalIntegerKeyword } from './keyword-checks.js';
import type { FitsHduInfo } from './list-hdus.js';
import { riceCapacity, riceDecompress, type RiceBytePix } from './rice-decompress.js';

/** Quantisation methods of tile-compressed float images (ZQUANTIZ). */
export type FitsQuantize = 'NO_DITHER' | 'SUBTRACTIVE_DITHER_1' | 'SUBTRACTIVE_DITHER_2' | 'NONE';
const FITS_QUANTIZE_VALUES: readonly FitsQuantize[] = Object.freeze(['NO_DITHER', 'SUBTRACTIVE_DITHER_1', 'SUBTRACTIVE_DITHER_2', 'NONE']);

/** Tile compressions the reader decodes (ZCMPTYPE). */
export type FitsCompression = 'RICE_1' | 'GZIP_1' | 'GZIP_2';
export const FITS_COMPRESSIONS: readonly FitsCompression[] = Object.freeze(['RICE_1', 'GZIP_1', 'GZIP_2']);

/**
 * The largest image the reader decodes from tile-compressed data: 2^28 pixels (16384 × 16384, 1 GiB
 * as float32). Compression lets a small file describe a huge image; beyond this it is refused.
 */
export const MAX_COMPRESSED_IMAGE_PIXELS = 2 ** 28;

/**
 * Deflate writes at most 258 bytes for one length code and one distance code, each at least one bit
 * long: no gzip stream inflates to more than 1032 bytes per byte it has.
 */
const DEFLATE_MAX_RATIO = 1032;

/** Where one tile's stored values lie, already checked against the heap and what its bytes can hold. */
type TileSource =
  | { readonly kind: 'rice'; readonly bytes: Uint8Array }
  /** Inflates to values of `bitpix` (byte-shuffled first when `shuffled`). */
  | { readonly kind: 'gzip'; readonly bytes: Uint8Array; readonly bitpix: FitsBitpix; readonly shuffled: boolean }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array; readonly bitpix: FitsBitpix };

interface TilePlan {
  /** 1-based, as messages and the dither seed count tiles. */
  readonly number: number;
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
  readonly source: TileSource;
  readonly scale: number | undefined;
  readonly zero: number | undefined;
  readonly blank: number | undefined;
}

/** A tile-compressed image whose every keyword, descriptor and tile size has been checked. */
export interface CompressedImagePlan {
  readonly where: string;
  readonly file: string | undefined;
  readonly width: number;
  readonly height: number;
  readonly zbitpix: FitsBitpix;
  readonly blockSize: number;
  readonly bytePix: RiceBytePix;
  readonly quantize: FitsQuantize;
  readonly ditherSeed: number;
  readonly integerScale: number;
  readonly integerZero: number;
  readonly tiles: readonly TilePlan[];
}

const COLUMN_BITPIX: Readonly<Record<string, FitsBitpix>> = { B: 8, I: 16, J: 32, E: -32, D: -64 };
const NUMERIC_COLUMN_TYPES = new Set(['B', 'I', 'J', 'K', 'E', 'D']);

/**
 * Checks a tile-compressed image (the binary-table form JSOC exports, RICE_1 there) before any pixel
 * is allocated: ZTILEn, BLOCKSIZE and BYTEPIX, ZQUANTIZ and ZDITHER0, the scaling keywords, the table
 * layout, that there is a row per tile, that every descriptor points inside the heap, and that each
 * tile's bytes can hold its pixels at all (Rice and deflate have a greatest expansion). The image is
 * then no larger than its file can decode to.
 */
export function planCompressedImage(bytes: Uint8Array, hdu: FitsHduInfo, file?: string): CompressedImagePlan {
  const { header } = hdu;
  const context: KeywordContext = { header, hdu: hdu.index, where: hduName(hdu.index, header, 'tile-compressed image'), file };
  const { where } = context;
  const unsupported = (message: string, details: Record<string, unknown>): never => {
    throw new FitsError({
      code: 'FITS_UNSUPPORTED_COMPRESSION',
      file,
      message: `${where}: ${message}`,
      details: { hdu: hdu.index, ...details },
    });
  };
  const compression = hdu.compression as FitsCompression;
  if (!FITS_COMPRESSIONS.includes(compression)) {
    unsupported(`ZCMPTYPE = '${hdu.compression ?? ''}': supported are ${FITS_COMPRESSIONS.join(', ')}`, {
      key: 'ZCMPTYPE',
      compression: hdu.compression,
    });
  }
  const zbitpix = hdu.bitpix as FitsBitpix;
  if (zbitpix === 64) unsupported(`ZBITPIX = ${zbitpix}: expected 8-, 16- or 32-bit integers or floats`, { key: 'ZBITPIX', zbitpix });

  const shape = hdu.imageShape ?? [];
  const [width, height = 1] = shape;
  if (width * height > MAX_COMPRESSED_IMAGE_PIXELS) {
    throw new FitsError({
      code: 'FITS_TOO_LARGE',
      file,
      message: `${where}: ZNAXIS1 × ZNAXIS2 = ${width} × ${height} pixels, more than the ${MAX_COMPRESSED_IMAGE_PIXELS} the reader decodes`,
      details: { hdu: hdu.index, key: 'ZNAXIS1', width, height, limit: MAX_COMPRESSED_IMAGE_PIXELS },
    });
  }
  const tileWidth = integerKeyword(context, 'ZTILE1', { min: 1, fallback: width });
  const tileHeight = integerKeyword(context, 'ZTILE2', { min: 1, fallback: 1 });
  for (let axis = 3; axis <= shape.length; axis += 1) {
    const tile = integerKeyword(context, `ZTILE${axis}`, { min: 1, fallback: 1 });
    if (tile !== 1) unsupported(`ZTILE${axis} = ${tile}: tiles spanning several planes are not supported`, { key: `ZTILE${axis}`, tile });
  }

  let blockSize = 32;
  let bytePix: number = zbitpix > 0 ? zbitpix / 8 : 4;
  for (let n = 1; header.has(`ZNAME${n}`); n += 1) {
    const name = (header.getString(`ZNAME${n}`) ?? '').trim().toUpperCase();
    if (name === 'BLOCKSIZE')
      blockSize = integerKeyword(context, `ZVAL${n}`, { min: 1, requirement: 'a positive integer (the Rice BLOCKSIZE)' });
    if (name === 'BYTEPIX') bytePix = integerKeyword(context, `ZVAL${n}`, { requirement: 'an integer (the Rice BYTEPIX)' });
  }
  if (compression === 'RICE_1' && bytePix !== 1 && bytePix !== 2 && bytePix !== 4) {
    unsupported(`BYTEPIX = ${bytePix}: RICE_1 supports 1, 2 or 4`, { key: 'BYTEPIX', bytePix });
  }

  const quantizeValue = header.get('ZQUANTIZ') ?? 'NO_DITHER';
  if (typeof quantizeValue !== 'string')
    throw keywordError(context, 'ZQUANTIZ', `one of ${FITS_QUANTIZE_VALUES.map((q) => `'${q}'`).join(', ')}`);
  const quantize = (quantizeValue.trim().toUpperCase() || 'NO_DITHER') as FitsQuantize;
  if (!FITS_QUANTIZE_VALUES.includes(quantize)) {
    throw keywordError(
      context,
      'ZQUANTIZ',
      `one of ${FITS_QUANTIZE_VALUES.map((q) => `'${q}'`).join(', ')}`,
      'FITS_UNSUPPORTED_COMPRESSION',
    );
  }
  const dithered = zbitpix < 0 && (quantize === 'SUBTRACTIVE_DITHER_1' || quantize === 'SUBTRACTIVE_DITHER_2');
  const ditherSeed = dithered ? integerKeyword(context, 'ZDITHER0', { min: 1, max: DITHER_RANDOM_COUNT, fallback: 1 }) : 1;

  const keywordBlank = optionalIntegerKeyword(context, 'ZBLANK') ?? (zbitpix > 0 ? optionalIntegerKeyword(context, 'BLANK') : undefined);
  const integerScale = finiteKeyword(context, 'BSCALE') ?? 1;
  const integerZero = finiteKeyword(context, 'BZERO') ?? 0;
  const keywordScale = finiteKeyword(context, 'ZSCALE');
  const keywordZero = finiteKeyword(context, 'ZZERO');

  const layout = binaryTableLayout(context);
  const column = (name: string): BinaryTableColumn | undefined => layout.columns.find((c) => c.name === name);
  const numericColumn = (name: string): BinaryTableColumn | undefined => {
    const found = column(name);
    if (found && (found.descriptor || !NUMERIC_COLUMN_TYPES.has(found.type) || found.repeat < 1)) {
      throw keywordError(context, `TFORM${found.field}`, `a numeric column of fixed width to hold ${name}`);
    }
    return found;
  };
  const compressedColumn = column('COMPRESSED_DATA');
  if (!compressedColumn?.descriptor) {
    unsupported('no COMPRESSED_DATA variable-length column', { columns: layout.columns.map((c) => c.name) });
  }
  const uncompressedColumn = column('UNCOMPRESSED_DATA')?.descriptor ? column('UNCOMPRESSED_DATA') : undefined;
  const gzipColumn = column('GZIP_COMPRESSED_DATA')?.descriptor ? column('GZIP_COMPRESSED_DATA') : undefined;
  const scaleColumn = numericColumn('ZSCALE');
  const zeroColumn = numericColumn('ZZERO');
  const blankColumn = numericColumn('ZBLANK');

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
      message: `${where}: the table has NAXIS2 = ${layout.rows} rows but a ${width}×${height} image in ZTILE1 × ZTILE2 = ${tileWidth}×${tileHeight} tiles needs ${expectedTiles}`,
      details: { hdu: hdu.index, key: 'NAXIS2', rows: layout.rows, expectedTiles, width, height, tileWidth, tileHeight },
    });
  }

  const tiles: TilePlan[] = [];
  for (let tileIndex = 0; tileIndex < expectedTiles; tileIndex += 1) {
    const number = tileIndex + 1;
    const x0 = (tileIndex % tilesAcross) * tileWidth;
    const y0 = Math.floor(tileIndex / tilesAcross) * tileHeight;
    const w = Math.min(tileWidth, width - x0);
    const h = Math.min(tileHeight, height - y0);
    const count = w * h;
    const rowStart = tileIndex * layout.rowBytes;
    const tileWhere = `${where}, tile ${number}`;
    const corrupt = (message: string, details: Record<string, unknown>): never => {
      throw corruptTile(tileWhere, file, message, { hdu: hdu.index, tile: number, ...details });
    };
    const heapBytes = (col: BinaryTableColumn) => {
      const { count: elements, heapOffset } = readDescriptor(view, rowStart + col.offset, col.descriptor as 'P' | 'Q');
      const start = heapStart + heapOffset;
      const length = elements * elementBytes(col.type);
      if (start + length > data.length) {
        corrupt(
          `its ${col.name} descriptor points at ${length} bytes from heap offset ${heapOffset}, past the end of the heap (${data.length - heapStart} bytes from THEAP)`,
          {
            key: `TFORM${col.field}`,
            heapOffset,
            length,
            heapLength: data.length - heapStart,
          },
        );
      }
      return { bytes: data.subarray(start, start + length), elements };
    };
    const perTile = (col: BinaryTableColumn | undefined) => (col ? readScalar(view, rowStart + col.offset, col.type) : undefined);
    const scale = perTile(scaleColumn) ?? keywordScale;
    const zero = perTile(zeroColumn) ?? keywordZero;
    const blank = perTile(blankColumn) ?? keywordBlank;
    for (const [name, value] of [
      ['ZSCALE', scale],
      ['ZZERO', zero],
    ] as const) {
      if (value !== undefined && !Number.isFinite(value)) corrupt(`${name} = ${value}: expected a finite number`, { key: name, value });
    }
    const quantised = zbitpix < 0 && scale !== undefined && zero !== undefined;
    const integersNeedScaling = (bitpix: number) => {
      if (bitpix > 0 && zbitpix < 0 && !quantised) {
        unsupported(`ZBITPIX = ${zbitpix} stored as integers without ZSCALE/ZZERO to turn them back into floats`, {
          tile: number,
          key: 'ZSCALE',
        });
      }
    };
    const inflatable = (source: Uint8Array, bitpix: number) => {
      const needed = (count * Math.abs(bitpix)) / 8;
      if (source.length * DEFLATE_MAX_RATIO < needed) {
        corrupt(`its ${source.length} gzip bytes cannot inflate to the ${needed} bytes of its ${count} pixels`, {
          length: source.length,
          needed,
        });
      }
    };

    let source: TileSource;
    const compressed = heapBytes(compressedColumn as BinaryTableColumn);
    if (compressed.elements > 0 && compression === 'RICE_1') {
      integersNeedScaling(32);
      const capacity = riceCapacity(compressed.bytes.length, blockSize, bytePix as RiceBytePix);
      if (count > capacity) {
        corrupt(
          `its ${compressed.bytes.length} bytes of Rice code hold at most ${capacity} pixels (BLOCKSIZE = ${blockSize}), not its ${count}`,
          {
            length: compressed.bytes.length,
            capacity,
            count,
          },
        );
      }
      source = { kind: 'rice', bytes: compressed.bytes };
    } else if (compressed.elements > 0) {
      // Quantised floats are gzipped as 32-bit integers, everything else in its own type.
      const bitpix: FitsBitpix = quantised ? 32 : zbitpix;
      inflatable(compressed.bytes, bitpix);
      source = { kind: 'gzip', bytes: compressed.bytes, bitpix, shuffled: compression === 'GZIP_2' };
    } else {
      // A tile the writer kept lossless: gzipped in GZIP_COMPRESSED_DATA or raw in UNCOMPRESSED_DATA.
      const gzipped = gzipColumn ? heapBytes(gzipColumn) : undefined;
      const rawBitpix = uncompressedColumn ? COLUMN_BITPIX[uncompressedColumn.type] : undefined;
      if (gzipped && gzipped.elements > 0) {
        inflatable(gzipped.bytes, zbitpix);
        source = { kind: 'gzip', bytes: gzipped.bytes, bitpix: zbitpix, shuffled: false };
      } else if (uncompressedColumn && rawBitpix !== undefined) {
        const raw = heapBytes(uncompressedColumn).bytes;
        const needed = (count * Math.abs(rawBitpix)) / 8;
        if (raw.length < needed)
          corrupt(`${raw.length} bytes of UNCOMPRESSED_DATA for ${count} pixels of BITPIX ${rawBitpix} (${needed} needed)`, {
            length: raw.length,
            needed,
          });
        integersNeedScaling(rawBitpix);
        source = { kind: 'raw', bytes: raw, bitpix: rawBitpix };
      } else {
        source = corrupt(`no compressed bytes and no GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA for its ${count} pixels`, { count });
      }
    }
    tiles.push({ number, x0, y0, width: w, height: h, source, scale, zero, blank });
  }
  return {
    where,
    file,
    width,
    height,
    zbitpix,
    blockSize,
    bytePix: bytePix as RiceBytePix,
    quantize,
    ditherSeed,
    integerScale,
    integerZero,
    tiles,
  };
}

/**
 * Decodes a checked tile-compressed image into physical values. Integer images get BSCALE/BZERO and
 * BLANK (or ZBLANK) → NaN; quantised float images get ZSCALE/ZZERO per tile and, when ZQUANTIZ asks
 * for it, the subtractive dither undone. Tiles the writer kept lossless are read as they are.
 */
export function decodeCompressedImage<Out extends Float32Array | Float64Array>(plan: CompressedImagePlan, out: Out): Out {
  const { where, file, width, zbitpix, quantize, integerScale, integerZero } = plan;
  const dithered = zbitpix < 0 && (quantize === 'SUBTRACTIVE_DITHER_1' || quantize === 'SUBTRACTIVE_DITHER_2');
  for (const tile of plan.tiles) {
    const { source, scale, zero, blank } = tile;
    const count = tile.width * tile.height;
    const tileWhere = `${where}, tile ${tile.number}`;
    const tileValues = new Float64Array(count);
    let stored: Int32Array | undefined;
    if (source.kind === 'rice') {
      stored = riceDecompress(source.bytes, count, plan.blockSize, plan.bytePix, tileWhere, file);
    } else {
      const byteLength = (count * Math.abs(source.bitpix)) / 8;
      const raw = source.kind === 'gzip' ? gunzipTile(source.bytes, byteLength, tileWhere, file) : source.bytes;
      if (source.kind === 'gzip' && source.shuffled) unshuffle(raw, Math.abs(source.bitpix) / 8);
      if (source.bitpix > 0) stored = readIntegers(raw, source.bitpix, count, tileWhere, file);
      else readRaw(raw, source.bitpix, count, tileValues, tileWhere, file);
    }

    const quantised = zbitpix < 0 && scale !== undefined && zero !== undefined;
    if (stored === undefined) {
      // Float pixels read as they were written.
    } else if (zbitpix > 0) {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : integerZero + integerScale * value;
      }
    } else if (dithered) {
      undither(stored, tileValues, {
        tile: tile.number,
        ditherSeed: plan.ditherSeed,
        scale: scale as number,
        zero: zero as number,
        blank,
        zeroCode: quantize === 'SUBTRACTIVE_DITHER_2',
      });
    } else if (quantised) {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : value * (scale as number) + (zero as number);
      }
    }
    for (let row = 0, i = 0; row < tile.height; row += 1) {
      const start = (tile.y0 + row) * width + tile.x0;
      for (let column = 0; column < tile.width; column += 1, i += 1) out[start + column] = tileValues[i];
    }
  }
  return out;
}

function corruptTile(
  where: string,
  file: string | undefined,
  message: string,
  details: Record<string, unknown>,
  cause?: unknown,
): FitsError {
  return new FitsError({ code: 'FITS_CORRUPT_TILE', file, message: `${where}: ${message}`, details, cause });
}

/** Inflates into a buffer of the tile's size, so a forged gzip trailer cannot make it allocate more. */
function gunzipTile(bytes: Uint8Array, byteLength: number, where: string, file: string | undefined): Uint8Array {
  try {
    // decompressSync recognises gzip and zlib streams alike.
    return decompressSync(bytes, { out: new Uint8Array(byteLength) });
  } catch (error) {
    throw corruptTile(where, file, `its ${bytes.length} gzip bytes do not decompress (${String(error)})`, { length: bytes.length }, error);
  }
}

/** GZIP_2 stores the most significant bytes of all pixels first, then the next bytes, and so on. */
function unshuffle(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  const count = Math.floor(bytes.length / width);
  const shuffled = bytes.slice();
  for (let k = 0; k < width; k += 1) for (let i = 0; i < count; i += 1) bytes[i * width + k] = shuffled[k * count + i];
}

function checkLength(raw: Uint8Array, bitpix: number, count: number, where: string, file: string | undefined): void {
  const needed = (count * Math.abs(bitpix)) / 8;
  if (raw.length < needed) {
    throw corruptTile(where, file, `${raw.length} bytes for ${count} pixels of BITPIX ${bitpix} (${needed} needed)`, {
      length: raw.length,
      needed,
    });
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
