/**
 * Hand-rolled FITS writing for tests and the fuzzer's seed files, independent of the library's
 * writer: card images, plain images of any BITPIX, and tile-compressed images as binary tables.
 * Node-only (node:zlib).
 */
import { gzipSync } from 'node:zlib';
import { riceEncode, type FsChooser } from './rice-encode.js';

/** One 80-character card. `value` is the literal value field text (strings already quoted). */
export function card(key: string, value?: string | number | boolean, comment?: string): string {
  if (value === undefined) return key.padEnd(80, ' ').slice(0, 80);
  const text =
    typeof value === 'boolean'
      ? (value ? 'T' : 'F').padStart(20, ' ')
      : typeof value === 'number'
        ? String(value).padStart(20, ' ')
        : value;
  const image = `${key.padEnd(8, ' ')}= ${text}${comment === undefined ? '' : ` / ${comment}`}`;
  return image.padEnd(80, ' ').slice(0, 80);
}

export function quoted(text: string): string {
  return `'${text.replace(/'/g, "''").padEnd(8, ' ')}'`;
}

function pad(bytes: Uint8Array, fill: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 2880) * 2880).fill(fill);
  out.set(bytes);
  return out;
}

export function headerBytes(cards: readonly string[]): Uint8Array {
  const text = [...cards, card('END')].join('');
  return pad(
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
    0x20,
  );
}

export function hduBytes(cards: readonly string[], data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([headerBytes(cards), pad(data, 0)]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Big-endian bytes of stored values for a BITPIX (integers as given; 64-bit via BigInt). */
export function bigEndian(bitpix: 8 | 16 | 32 | 64 | -32 | -64, values: ArrayLike<number | bigint>): Uint8Array {
  const size = Math.abs(bitpix) / 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (bitpix === 8) view.setUint8(i, Number(v));
    else if (bitpix === 16) view.setInt16(2 * i, Number(v));
    else if (bitpix === 32) view.setInt32(4 * i, Number(v));
    else if (bitpix === 64) view.setBigInt64(8 * i, BigInt(v));
    else if (bitpix === -32) view.setFloat32(4 * i, Number(v));
    else view.setFloat64(8 * i, Number(v));
  }
  return out;
}

/** A primary HDU holding an image of stored values. */
export function plainImageFile(
  bitpix: 8 | 16 | 32 | 64 | -32 | -64,
  shape: readonly number[],
  stored: ArrayLike<number | bigint>,
  extraCards: readonly string[] = [],
): Uint8Array {
  const cards = [
    card('SIMPLE', true),
    card('BITPIX', bitpix),
    card('NAXIS', shape.length),
    ...shape.map((n, i) => card(`NAXIS${i + 1}`, n)),
    ...extraCards,
  ];
  return hduBytes(cards, bigEndian(bitpix, stored));
}

export function emptyPrimary(extraCards: readonly string[] = []): Uint8Array {
  return hduBytes([card('SIMPLE', true), card('BITPIX', 16), card('NAXIS', 0), card('EXTEND', true), ...extraCards]);
}

export interface CompressedImageSpec {
  width: number;
  height: number;
  zbitpix: 8 | 16 | 32 | -32 | -64;
  /** Stored integers in image order (y * width + x): what the Rice stream carries. */
  stored: ArrayLike<number>;
  tile?: [number, number];
  bytePix?: 1 | 2 | 4;
  blockSize?: number;
  chooseFs?: FsChooser;
  /** Per-tile columns (one value per tile, in tile order). */
  zscale?: readonly number[];
  zzero?: readonly number[];
  zblank?: readonly number[];
  /** Tiles (0-based) stored raw in an UNCOMPRESSED_DATA column of 32-bit integers instead. */
  uncompressedTiles?: ReadonlySet<number>;
  /** Descriptor type of the data columns. */
  descriptor?: 'P' | 'Q';
  extraCards?: readonly string[];
  /** ZCMPTYPE: RICE_1 (default), GZIP_1 or GZIP_2 are encoded; any other name is only written in the header. */
  compression?: string;
  /** Width of the stored values in a GZIP stream (default: ZBITPIX for integers, 32 for quantised floats). */
  storedBitpix?: 8 | 16 | 32;
  /** Tiles (0-based) kept lossless: `floats` gzipped in a GZIP_COMPRESSED_DATA column as ZBITPIX floats. */
  gzipFloatTiles?: ReadonlySet<number>;
  floats?: ArrayLike<number>;
}

/** GZIP_2 byte shuffle: the first bytes of all values, then the second bytes, and so on. */
function shuffle(bytes: Uint8Array, width: number): Uint8Array {
  const count = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < count; i += 1) for (let k = 0; k < width; k += 1) out[k * count + i] = bytes[i * width + k];
  return out;
}

/** A binary-table extension holding a tile-compressed image, following the FITS convention. */
export function compressedImageHdu(spec: CompressedImageSpec): Uint8Array {
  const { width, height, zbitpix, stored, bytePix = 4, blockSize = 32, descriptor = 'P' } = spec;
  const [tileWidth, tileHeight] = spec.tile ?? [width, 1];
  const tilesAcross = Math.ceil(width / tileWidth);
  const tiles = tilesAcross * Math.ceil(height / tileHeight);
  const streams: Uint8Array[] = [];
  const raws: Uint8Array[] = [];
  const gzipped: Uint8Array[] = [];
  const compression = spec.compression ?? 'RICE_1';
  const storedBitpix = spec.storedBitpix ?? (zbitpix > 0 ? zbitpix : 32);
  for (let t = 0; t < tiles; t += 1) {
    const x0 = (t % tilesAcross) * tileWidth;
    const y0 = Math.floor(t / tilesAcross) * tileHeight;
    const values: number[] = [];
    const floats: number[] = [];
    for (let y = y0; y < Math.min(y0 + tileHeight, height); y += 1)
      for (let x = x0; x < Math.min(x0 + tileWidth, width); x += 1) {
        values.push(stored[y * width + x]);
        floats.push(spec.floats?.[y * width + x] ?? NaN);
      }
    gzipped.push(spec.gzipFloatTiles?.has(t) ? gzipSync(bigEndian(zbitpix as -32 | -64, floats)) : new Uint8Array(0));
    if (spec.gzipFloatTiles?.has(t)) {
      streams.push(new Uint8Array(0));
      raws.push(new Uint8Array(0));
    } else if (spec.uncompressedTiles?.has(t)) {
      streams.push(new Uint8Array(0));
      raws.push(bigEndian(32, values));
    } else if (compression === 'GZIP_1' || compression === 'GZIP_2') {
      const raw = bigEndian(storedBitpix, values);
      streams.push(gzipSync(compression === 'GZIP_2' ? shuffle(raw, storedBitpix / 8) : raw));
      raws.push(new Uint8Array(0));
    } else {
      streams.push(riceEncode(values, { blockSize, bytePix, chooseFs: spec.chooseFs }));
      raws.push(new Uint8Array(0));
    }
  }
  const withRaw = spec.uncompressedTiles !== undefined;
  const descriptorBytes = descriptor === 'P' ? 8 : 16;
  const columns: { name: string; form: string; bytes: number; value: (t: number, view: DataView, at: number) => void }[] = [];
  const heap: Uint8Array[] = [];
  let heapLength = 0;
  const heapOffsets = (list: Uint8Array[]) =>
    list.map((bytes) => {
      const offset = heapLength;
      heap.push(bytes);
      heapLength += bytes.length;
      return offset;
    });
  const streamOffsets = heapOffsets(streams);
  const rawOffsets = withRaw ? heapOffsets(raws) : [];
  const withGzip = spec.gzipFloatTiles !== undefined;
  const gzipOffsets = withGzip ? heapOffsets(gzipped) : [];
  const writeDescriptor = (view: DataView, at: number, count: number, offset: number) => {
    if (descriptor === 'P') {
      view.setUint32(at, count);
      view.setUint32(at + 4, offset);
    } else {
      view.setBigUint64(at, BigInt(count));
      view.setBigUint64(at + 8, BigInt(offset));
    }
  };
  const maxStream = Math.max(...streams.map((s) => s.length));
  columns.push({
    name: 'COMPRESSED_DATA',
    form: `1${descriptor}B(${maxStream})`,
    bytes: descriptorBytes,
    value: (t, view, at) => writeDescriptor(view, at, streams[t].length, streamOffsets[t]),
  });
  if (withRaw) {
    columns.push({
      name: 'UNCOMPRESSED_DATA',
      form: `1${descriptor}J(${Math.max(...raws.map((r) => r.length / 4))})`,
      bytes: descriptorBytes,
      value: (t, view, at) => writeDescriptor(view, at, raws[t].length / 4, rawOffsets[t]),
    });
  }
  if (withGzip) {
    columns.push({
      name: 'GZIP_COMPRESSED_DATA',
      form: `1${descriptor}B(${Math.max(...gzipped.map((g) => g.length))})`,
      bytes: descriptorBytes,
      value: (t, view, at) => writeDescriptor(view, at, gzipped[t].length, gzipOffsets[t]),
    });
  }
  if (spec.zscale) columns.push({ name: 'ZSCALE', form: '1D', bytes: 8, value: (t, v, at) => v.setFloat64(at, spec.zscale![t]) });
  if (spec.zzero) columns.push({ name: 'ZZERO', form: '1D', bytes: 8, value: (t, v, at) => v.setFloat64(at, spec.zzero![t]) });
  if (spec.zblank) columns.push({ name: 'ZBLANK', form: '1J', bytes: 4, value: (t, v, at) => v.setInt32(at, spec.zblank![t]) });
  const rowBytes = columns.reduce((n, c) => n + c.bytes, 0);
  const table = new Uint8Array(rowBytes * tiles);
  const view = new DataView(table.buffer);
  for (let t = 0; t < tiles; t += 1) {
    let at = t * rowBytes;
    for (const column of columns) {
      column.value(t, view, at);
      at += column.bytes;
    }
  }
  const cards = [
    card('XTENSION', quoted('BINTABLE')),
    card('BITPIX', 8),
    card('NAXIS', 2),
    card('NAXIS1', rowBytes),
    card('NAXIS2', tiles),
    card('PCOUNT', heapLength),
    card('GCOUNT', 1),
    card('TFIELDS', columns.length),
    ...columns.flatMap((c, i) => [card(`TTYPE${i + 1}`, quoted(c.name)), card(`TFORM${i + 1}`, quoted(c.form))]),
    card('ZIMAGE', true),
    card('ZBITPIX', zbitpix),
    card('ZNAXIS', 2),
    card('ZNAXIS1', width),
    card('ZNAXIS2', height),
    card('ZTILE1', tileWidth),
    card('ZTILE2', tileHeight),
    card('ZCMPTYPE', quoted(compression)),
    card('ZNAME1', quoted('BLOCKSIZE')),
    card('ZVAL1', blockSize),
    card('ZNAME2', quoted('BYTEPIX')),
    card('ZVAL2', bytePix),
    ...(spec.extraCards ?? []),
  ];
  return hduBytes(cards, concat([table, ...heap]));
}
