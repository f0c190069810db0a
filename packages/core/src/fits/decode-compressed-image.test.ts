import { describe, expect, it } from 'vitest';
import { card, compressedImageHdu, concat, emptyPrimary, errorOf, fitsverifyReport, hasFitsverify, quoted } from '@enhance/test-support';
import { ditherRandomTable } from './dither-random.js';
import { listHdus } from './list-hdus.js';
import { readFits } from './read-fits.js';

/** Park–Miller minimal standard generator in exact integer arithmetic, for the dither table. */
function parkMillerTable(): { values: number[]; finalSeed: bigint } {
  let seed = 1n;
  const values: number[] = [];
  for (let i = 0; i < 10000; i += 1) {
    seed = (seed * 16807n) % 2147483647n;
    values.push(Math.fround(Number(seed) / 2147483647));
  }
  return { values, finalSeed: seed };
}

/**
 * Quantises floats as the tile-compression convention describes, one tile at a time, and returns
 * the stored integers and the values a reader must recover: (stored − r + ½)·scale + zero.
 */
function quantise(
  values: number[],
  tileLength: number,
  { scale, zero, ditherSeed, method }: { scale: number[]; zero: number[]; ditherSeed: number; method: 1 | 2 | 'none' },
) {
  const random = parkMillerTable().values;
  const stored: number[] = [];
  const expected: number[] = [];
  for (let tile = 0; tile * tileLength < values.length; tile += 1) {
    let seedIndex = (tile + 1 + ditherSeed - 2) % 10000;
    let next = Math.floor(random[seedIndex] * 500);
    for (let i = tile * tileLength; i < Math.min(values.length, (tile + 1) * tileLength); i += 1) {
      const r = method === 'none' ? 0.5 : random[next];
      const value = values[i];
      if (Number.isNaN(value)) {
        stored.push(-2147483647);
        expected.push(NaN);
      } else if (method === 2 && value === 0) {
        stored.push(-2147483646);
        expected.push(0);
      } else {
        const q = Math.round((value - zero[tile]) / scale[tile] + r - 0.5);
        stored.push(q);
        expected.push((q - r + 0.5) * scale[tile] + zero[tile]);
      }
      next += 1;
      if (next === 10000) {
        seedIndex = (seedIndex + 1) % 10000;
        next = Math.floor(random[seedIndex] * 500);
      }
    }
  }
  return { stored, expected };
}

const jsocCards = [
  card('CTYPE1', quoted('CRLN-CEA')),
  card('CRPIX1', '292.000000'),
  card('CDELT1', '0.030000'),
  card('BUNIT', quoted('DN/s')),
  card('BLANK', -2147483648),
  card('BZERO', '97304.'),
  card('BSCALE', '3.'),
  card('CHECKSUM', quoted('YPgOaMgNTMgNYMgN')),
  card('DATASUM', quoted('3921653408')),
];

describe('the dither random table', () => {
  it('is the Park–Miller sequence from seed 1 (10,000th seed 1043618065), rounded to float32', () => {
    const { values, finalSeed } = parkMillerTable();
    expect(finalSeed).toBe(1043618065n);
    expect(Array.from(ditherRandomTable())).toEqual(values);
  });
});

describe('readFits on RICE_1 tile-compressed images', () => {
  it.skipIf(!hasFitsverify)('reads test files that fitsverify accepts as standard binary tables', () => {
    const stored = Array.from({ length: 61 * 9 }, (_, i) => -20000 + ((i * 7919) % 9000));
    const files = {
      rice: compressedImageHdu({ width: 61, height: 9, zbitpix: 32, stored, extraCards: [card('BZERO', 97304), card('BSCALE', 3)] }),
      gzip2: compressedImageHdu({ width: 13, height: 9, zbitpix: 16, tile: [5, 4], stored: stored.slice(0, 117), compression: 'GZIP_2' }),
      dithered: compressedImageHdu({
        width: 61,
        height: 9,
        zbitpix: -32,
        stored,
        zscale: new Array(9).fill(0.5),
        zzero: new Array(9).fill(1),
        descriptor: 'Q',
        extraCards: [card('ZQUANTIZ', quoted('SUBTRACTIVE_DITHER_1')), card('ZDITHER0', 3)],
      }),
    };
    for (const [name, hdu] of Object.entries(files)) expect(fitsverifyReport(concat([emptyPrimary(), hdu]), `${name}.fits`)).toBe('');
  });

  it('decodes a JSOC-style 32-bit image: a row per tile, BSCALE/BZERO, BLANK → NaN, header as an image', () => {
    const width = 61;
    const height = 9;
    const stored = Array.from({ length: width * height }, (_, i) => -20000 + ((i * 7919) % 9000));
    stored[17] = -2147483648;
    const bytes = concat([emptyPrimary(), compressedImageHdu({ width, height, zbitpix: 32, stored, extraCards: jsocCards })]);
    const image = readFits(bytes, { file: 'sharp.fits', precision: 'float64' });
    expect(image.hdu).toBe(1);
    expect(image.bitpix).toBe(32);
    expect([image.width, image.height]).toEqual([width, height]);
    for (let i = 0; i < stored.length; i += 1) {
      if (i === 17) expect(image.data[i]).toBeNaN();
      else expect(image.data[i]).toBe(97304 + 3 * stored[i]);
    }
    const keys = image.header.keys();
    expect(keys.slice(0, 4)).toEqual(['BITPIX', 'NAXIS', 'NAXIS1', 'NAXIS2']);
    expect(image.header.get('NAXIS1')).toBe(width);
    for (const gone of ['XTENSION', 'ZIMAGE', 'ZCMPTYPE', 'TTYPE1', 'TFORM1', 'PCOUNT', 'TFIELDS', 'ZNAME1', 'CHECKSUM', 'DATASUM']) {
      expect(keys).not.toContain(gone);
    }
    expect(image.header.get('CRPIX1')).toBe(292);
    expect(image.header.get('BSCALE')).toBe(3);
  });

  it('decodes 16-bit pixels (BYTEPIX 2) in 2-D tiles that do not divide the image', () => {
    const width = 13;
    const height = 9;
    const stored = Array.from({ length: width * height }, (_, i) => ((i * 2749) % 60000) - 30000);
    stored[40] = -32768;
    const bytes = compressedImageHdu({
      width,
      height,
      zbitpix: 16,
      bytePix: 2,
      tile: [5, 4],
      stored,
      blockSize: 16,
      extraCards: [card('BLANK', -32768)],
    });
    const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
    for (let i = 0; i < stored.length; i += 1) {
      if (i === 40) expect(image.data[i]).toBeNaN();
      else expect(image.data[i]).toBe(stored[i]);
    }
  });

  it('decodes unsigned 8-bit pixels (BYTEPIX 1) with Q descriptors', () => {
    const width = 20;
    const height = 6;
    const stored = Array.from({ length: width * height }, (_, i) => (i * 97) % 256);
    const bytes = compressedImageHdu({ width, height, zbitpix: 8, bytePix: 1, tile: [20, 3], stored, descriptor: 'Q' });
    const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
    expect(Array.from(image.data)).toEqual(stored);
  });

  it('reads tiles stored raw in UNCOMPRESSED_DATA', () => {
    const width = 10;
    const height = 4;
    const stored = Array.from({ length: width * height }, (_, i) => i * 1000 - 7);
    const bytes = compressedImageHdu({ width, height, zbitpix: 32, stored, uncompressedTiles: new Set([2]) });
    expect(Array.from(readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' }).data)).toEqual(stored);
  });

  for (const method of [1, 2] as const) {
    it(`undoes SUBTRACTIVE_DITHER_${method} with per-tile ZSCALE/ZZERO and ZBLANK, ZDITHER0 = 7`, () => {
      const width = 40;
      const height = 6;
      const tileLength = width * 2;
      const original = Array.from({ length: width * height }, (_, i) => 5000 + 800 * Math.sin(i / 3));
      original[11] = NaN;
      original[50] = 0;
      const tiles = height / 2;
      const scale = Array.from({ length: tiles }, (_, t) => 0.5 + t * 0.25);
      const zero = Array.from({ length: tiles }, (_, t) => 4000 + t);
      const { stored, expected } = quantise(original, tileLength, { scale, zero, ditherSeed: 7, method });
      const bytes = compressedImageHdu({
        width,
        height,
        zbitpix: -32,
        tile: [width, 2],
        stored,
        zscale: scale,
        zzero: zero,
        zblank: new Array(tiles).fill(-2147483647),
        extraCards: [card('ZQUANTIZ', quoted(`SUBTRACTIVE_DITHER_${method}`)), card('ZDITHER0', 7)],
      });
      const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
      expect(image.bitpix).toBe(-32);
      for (let i = 0; i < original.length; i += 1) {
        if (Number.isNaN(expected[i])) {
          expect(image.data[i]).toBeNaN();
          continue;
        }
        expect(image.data[i]).toBeCloseTo(expected[i], 9);
        expect(Math.abs(image.data[i] - original[i])).toBeLessThanOrEqual(scale[Math.floor(i / tileLength)] / 2 + 1e-9);
      }
      if (method === 2) expect(image.data[50]).toBe(0);
    });
  }

  it('walks on to the next random-table row after 10,000 pixels of one tile', () => {
    const width = 120;
    const height = 100;
    const original = Array.from({ length: width * height }, (_, i) => Math.cos(i / 17) * 100);
    const { stored, expected } = quantise(original, width * height, { scale: [0.01], zero: [0], ditherSeed: 9999, method: 1 });
    const bytes = compressedImageHdu({
      width,
      height,
      zbitpix: -32,
      tile: [width, height],
      stored,
      zscale: [0.01],
      zzero: [0],
      extraCards: [card('ZQUANTIZ', quoted('SUBTRACTIVE_DITHER_1')), card('ZDITHER0', 9999)],
    });
    const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
    let worst = 0;
    for (let i = 0; i < expected.length; i += 1) worst = Math.max(worst, Math.abs(image.data[i] - expected[i]));
    expect(worst).toBeLessThan(1e-9);
  });

  it('applies ZSCALE and ZZERO keywords without dithering when ZQUANTIZ is NO_DITHER', () => {
    const stored = Array.from({ length: 24 }, (_, i) => i * 3 - 30);
    const bytes = compressedImageHdu({
      width: 6,
      height: 4,
      zbitpix: -64,
      stored,
      extraCards: [card('ZQUANTIZ', quoted('NO_DITHER')), card('ZSCALE', 0.125), card('ZZERO', 10)],
    });
    const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
    expect(Array.from(image.data)).toEqual(stored.map((s) => s * 0.125 + 10));
  });

  for (const compression of ['GZIP_1', 'GZIP_2'] as const) {
    it(`decodes ${compression} integer images of 8, 16 and 32 bits`, () => {
      for (const zbitpix of [8, 16, 32] as const) {
        const width = 11;
        const height = 7;
        const stored = Array.from({ length: width * height }, (_, i) => (zbitpix === 8 ? (i * 31) % 256 : ((i * 2749) % 30000) - 15000));
        const bytes = compressedImageHdu({ width, height, zbitpix, stored, compression, tile: [4, 3], extraCards: [card('BZERO', 0.5)] });
        const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
        expect(Array.from(image.data)).toEqual(stored.map((v) => v + 0.5));
      }
    });

    it(`decodes ${compression} quantised floats stored as 32-bit integers`, () => {
      const width = 12;
      const height = 4;
      const original = Array.from({ length: width * height }, (_, i) => 300 * Math.cos(i / 4));
      const { stored, expected } = quantise(original, width, {
        scale: [0.1, 0.2, 0.3, 0.4],
        zero: [0, 1, 2, 3],
        ditherSeed: 42,
        method: 1,
      });
      const bytes = compressedImageHdu({
        width,
        height,
        zbitpix: -32,
        stored,
        compression,
        zscale: [0.1, 0.2, 0.3, 0.4],
        zzero: [0, 1, 2, 3],
        extraCards: [card('ZQUANTIZ', quoted('SUBTRACTIVE_DITHER_1')), card('ZDITHER0', 42)],
      });
      const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
      for (let i = 0; i < expected.length; i += 1) expect(image.data[i]).toBeCloseTo(expected[i], 9);
    });
  }

  it('reads lossless float tiles from GZIP_COMPRESSED_DATA next to Rice-coded ones', () => {
    const width = 8;
    const height = 3;
    const floats = Array.from({ length: width * height }, (_, i) => Math.fround(Math.sqrt(i) * 1.7));
    floats[9] = NaN;
    const stored = floats.map((v) => (Number.isNaN(v) ? 0 : Math.round(v / 0.5)));
    const bytes = compressedImageHdu({
      width,
      height,
      zbitpix: -32,
      stored,
      floats,
      gzipFloatTiles: new Set([1]),
      zscale: [0.5, 0.5, 0.5],
      zzero: [0, 0, 0],
      extraCards: [card('ZQUANTIZ', quoted('NO_DITHER'))],
    });
    const image = readFits(concat([emptyPrimary(), bytes]), { precision: 'float64' });
    for (let i = 0; i < width * height; i += 1) {
      if (i >= width && i < 2 * width) expect(Object.is(image.data[i], floats[i])).toBe(true);
      else expect(image.data[i]).toBe(stored[i] * 0.5);
    }
  });

  it('refuses other compressions and corrupt tiles, naming the HDU and tile', () => {
    const stored = Array.from({ length: 24 }, (_, i) => i);
    const hcompress = compressedImageHdu({ width: 6, height: 4, zbitpix: 32, stored, compression: 'HCOMPRESS_1' });
    const unsupported = errorOf(() => readFits(concat([emptyPrimary(), hcompress]), { file: 'h.fits' }));
    expect(unsupported.code).toBe('FITS_UNSUPPORTED_COMPRESSION');
    expect(unsupported.message).toBe(
      "h.fits: HDU 1 (tile-compressed image): ZCMPTYPE = 'HCOMPRESS_1': supported are RICE_1, GZIP_1, GZIP_2",
    );

    const noisy = Array.from({ length: 600 }, (_, i) => (i * 7919) % 100000);
    const good = compressedImageHdu({ width: 600, height: 1, zbitpix: 32, stored: noisy });
    const corrupt = concat([emptyPrimary(), good]);
    // Shrink the tile's byte count in its descriptor (row 0, bytes 0–3 of the data unit).
    const dataStart = listHdus(corrupt)[1].dataOffset;
    const view = new DataView(corrupt.buffer, dataStart);
    view.setUint32(0, Math.floor(view.getUint32(0) / 2));
    const error = errorOf(() => readFits(corrupt));
    expect(error.code).toBe('FITS_CORRUPT_TILE');
    expect(error.message).toContain('tile 1');

    const gzipFile = concat([emptyPrimary(), compressedImageHdu({ width: 6, height: 4, zbitpix: 32, stored, compression: 'GZIP_1' })]);
    const magic = gzipFile.findIndex((byte, i) => i > 2880 * 2 && byte === 0x1f && gzipFile[i + 1] === 0x8b);
    gzipFile.fill(0xff, magic + 10, magic + 16); // scramble the first tile's deflate data
    const badGzip = errorOf(() => readFits(gzipFile));
    expect(badGzip.code).toBe('FITS_CORRUPT_TILE');
    expect(badGzip.message).toContain('tile 1: its');
  });
});
