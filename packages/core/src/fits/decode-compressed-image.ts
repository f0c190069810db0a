import { binaryTableLayout, type BinaryTableColumn, elementBytes, readDescriptor, readScalar } from './binary-table.js';
import { decodeImageData, isFitsBitpix } from './decode-image-data.js';
import { undither } from './dither-random.js';
import { FitsError } from './fits-error.js';
import type { FitsHduInfo } from './list-hdus.js';
import { riceDecompress, type RiceBytePix } from './rice-decompress.js';

/** Quantisation methods of tile-compressed float images (ZQUANTIZ). */
export type FitsQuantize = 'NO_DITHER' | 'SUBTRACTIVE_DITHER_1' | 'SUBTRACTIVE_DITHER_2' | 'NONE';

/**
 * Decodes a RICE_1 tile-compressed image (the binary-table form JSOC exports) into physical values.
 * Integer images get BSCALE/BZERO and BLANK (or ZBLANK) → NaN; quantised float images get
 * ZSCALE/ZZERO per tile and, when ZQUANTIZ asks for it, the subtractive dither undone.
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
  if (hdu.compression !== 'RICE_1') {
    unsupported(`ZCMPTYPE = '${hdu.compression ?? ''}': only RICE_1 is supported (the compression JSOC uses)`, {
      compression: hdu.compression,
    });
  }
  if (!isFitsBitpix(zbitpix) || zbitpix === 64) {
    unsupported(`ZBITPIX = ${zbitpix}: RICE_1 images must be 8-, 16- or 32-bit integers or quantised floats`, { zbitpix });
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

    if (compressed.elements === 0) {
      // A tile the writer could not compress is stored raw in UNCOMPRESSED_DATA.
      const raw = uncompressedColumn?.descriptor ? heapBytes(uncompressedColumn) : undefined;
      const rawBitpix = raw ? ({ B: 8, I: 16, J: 32, E: -32, D: -64 } as const)[uncompressedColumn!.type as 'B'] : undefined;
      if (!raw || rawBitpix === undefined || raw.elements < count) {
        throw new FitsError({
          code: 'FITS_CORRUPT_TILE',
          file,
          message: `${tileWhere}: no compressed bytes and no usable UNCOMPRESSED_DATA for its ${count} pixels`,
          details: { tile: tileIndex + 1, count },
        });
      }
      const scaling = zbitpix > 0 ? { bscale: integerScale, bzero: integerZero, blank } : { bscale: 1, bzero: 0, blank: undefined };
      decodeImageData(raw.bytes, rawBitpix, count, scaling, tileValues);
      scatter();
      continue;
    }

    const stored = riceDecompress(compressed.bytes, count, blockSize, bytePix as RiceBytePix, tileWhere);
    if (zbitpix > 0) {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : integerZero + integerScale * value;
      }
    } else if (scale === undefined || zero === undefined) {
      unsupported(`ZBITPIX = ${zbitpix} without ZSCALE/ZZERO: unquantised float tiles cannot be Rice-coded`, { tile: tileIndex + 1 });
    } else if (dithered) {
      undither(stored, tileValues, {
        tile: tileIndex + 1,
        ditherSeed,
        scale,
        zero,
        blank,
        zeroCode: quantize === 'SUBTRACTIVE_DITHER_2',
      });
    } else {
      for (let i = 0; i < count; i += 1) {
        const value = stored[i];
        tileValues[i] = value === blank ? NaN : value * scale + zero;
      }
    }
    scatter();
  }
  return out;
}
