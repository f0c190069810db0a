import { bigEndian, card, compressedImageHdu, concat, emptyPrimary, hduBytes, plainImageFile, quoted } from '../fits/build-fits.js';

/** A valid FITS file the fuzzer mutates, built here so that no data file has to travel with the code. */
export interface SeedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Stored values that vary smoothly with a few jumps, as solar images do. */
function ramp(count: number, spread: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) => offset + Math.round(spread * Math.sin(i / 5) + ((i * 7919) % 97) - 48));
}

const IMAGE_EXTENSION = (bitpix: -32 | 16, shape: readonly number[], extname: string, fill: (i: number) => number) =>
  hduBytes(
    [
      card('XTENSION', quoted('IMAGE')),
      card('BITPIX', bitpix),
      card('NAXIS', shape.length),
      ...shape.map((length, axis) => card(`NAXIS${axis + 1}`, length)),
      card('PCOUNT', 0),
      card('GCOUNT', 1),
      card('EXTNAME', quoted(extname)),
    ],
    bigEndian(
      bitpix,
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)),
    ),
  );

const DITHER = (method: 1 | 2, seed: number) => [card('ZQUANTIZ', quoted(`SUBTRACTIVE_DITHER_${method}`)), card('ZDITHER0', seed)];
const EXTNAME = card('EXTNAME', quoted('COMPRESSED_IMAGE'));

let seeds: readonly SeedFile[] | undefined;

/**
 * The seed files: plain images of every BITPIX (64 with BLANK, integers with BSCALE/BZERO/BLANK),
 * an IMAGE extension, a one-plane cube, RICE_1 images of 8-, 16- and 32-bit integers in row and
 * rectangular tiles with P and Q descriptors, quantised floats dithered both ways, GZIP_1 and GZIP_2
 * tiles, lossless float and raw tiles, a multi-HDU file and one without an image. Small, so that a
 * mutant reads in well under a millisecond.
 */
export function seedFiles(): readonly SeedFile[] {
  seeds ??= Object.freeze(buildSeeds());
  return seeds;
}

function buildSeeds(): SeedFile[] {
  const compressed = (hdu: Uint8Array) => concat([emptyPrimary(), hdu]);
  const floats24x16 = Array.from({ length: 24 * 16 }, (_, i) => 1000 + 300 * Math.cos(i / 9));
  floats24x16[40] = NaN;
  const blank8 = ramp(24 * 16, 60, 120).map((v) => Math.max(0, Math.min(254, v)));
  blank8[7] = 255;
  const blank16 = ramp(24 * 16, 9000);
  blank16[11] = -32768;
  const blank32 = ramp(20 * 12, 50000, -20000);
  blank32[5] = -2147483648;
  const big64 = Array.from({ length: 16 * 10 }, (_, i) => BigInt(i) * 2n ** 40n - 7n);
  big64[3] = -1n;
  const jsoc = ramp(40 * 12, 3000, -20000);
  jsoc[17] = -2147483648;
  const tiles16 = ramp(26 * 18, 20000);
  tiles16[40] = -32768;
  const quantised = ramp(32 * 8, 400, 5000);
  quantised[9] = -2147483647;
  const lossless = Array.from({ length: 8 * 3 }, (_, i) => Math.fround(Math.sqrt(i) * 1.7));

  return [
    { name: 'plain-bitpix8', bytes: plainImageFile(8, [24, 16], blank8, [card('BSCALE', 0.5), card('BZERO', -10), card('BLANK', 255)]) },
    {
      name: 'plain-bitpix16',
      bytes: plainImageFile(16, [24, 16], blank16, [card('BZERO', 32768), card('BLANK', -32768), card('BUNIT', quoted('DN/s'))]),
    },
    {
      name: 'plain-bitpix32',
      bytes: plainImageFile(32, [20, 12], blank32, [card('BSCALE', 3), card('BZERO', 97304), card('BLANK', -2147483648)]),
    },
    { name: 'plain-bitpix64-blank', bytes: plainImageFile(64, [16, 10], big64, [card('BLANK', -1)]) },
    { name: 'plain-float32', bytes: plainImageFile(-32, [24, 16], floats24x16, [card('EXTEND', true), card('CRPIX1', 12.5)]) },
    { name: 'plain-float64-scaled', bytes: plainImageFile(-64, [12, 10], ramp(120, 50), [card('BSCALE', 2), card('BZERO', 1.5)]) },
    { name: 'cube-one-plane', bytes: plainImageFile(16, [16, 8, 1], ramp(128, 1000)) },
    { name: 'image-extension', bytes: concat([emptyPrimary(), IMAGE_EXTENSION(-32, [20, 12], 'SCI', (i) => i / 4 - 7)]) },
    {
      name: 'rice32-jsoc',
      bytes: compressed(
        compressedImageHdu({
          width: 40,
          height: 12,
          zbitpix: 32,
          stored: jsoc,
          extraCards: [EXTNAME, card('BLANK', -2147483648), card('BZERO', 97304), card('BSCALE', 3), card('BUNIT', quoted('DN/s'))],
        }),
      ),
    },
    {
      name: 'rice16-tiles',
      bytes: compressed(
        compressedImageHdu({
          width: 26,
          height: 18,
          zbitpix: 16,
          bytePix: 2,
          tile: [8, 5],
          blockSize: 16,
          stored: tiles16,
          extraCards: [card('BLANK', -32768)],
        }),
      ),
    },
    {
      name: 'rice8-q-descriptors',
      bytes: compressed(
        compressedImageHdu({
          width: 20,
          height: 6,
          zbitpix: 8,
          bytePix: 1,
          tile: [20, 3],
          descriptor: 'Q',
          stored: ramp(120, 60, 128).map((v) => v & 0xff),
        }),
      ),
    },
    {
      name: 'rice-dither1',
      bytes: compressed(
        compressedImageHdu({
          width: 32,
          height: 8,
          zbitpix: -32,
          tile: [32, 2],
          stored: quantised,
          zscale: [0.5, 0.75, 1, 1.25],
          zzero: [4000, 4001, 4002, 4003],
          zblank: [-2147483647, -2147483647, -2147483647, -2147483647],
          extraCards: [EXTNAME, ...DITHER(1, 7)],
        }),
      ),
    },
    {
      name: 'rice-dither2-q',
      bytes: compressed(
        compressedImageHdu({
          width: 32,
          height: 8,
          zbitpix: -32,
          tile: [32, 4],
          stored: quantised,
          descriptor: 'Q',
          zscale: [0.5, 0.25],
          zzero: [4000, 4100],
          extraCards: [...DITHER(2, 9999), card('ZBLANK', -2147483647)],
        }),
      ),
    },
    {
      name: 'gzip1-dither',
      bytes: compressed(
        compressedImageHdu({
          width: 16,
          height: 6,
          zbitpix: -32,
          compression: 'GZIP_1',
          stored: ramp(96, 300),
          zscale: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
          zzero: [0, 1, 2, 3, 4, 5],
          extraCards: DITHER(1, 42),
        }),
      ),
    },
    {
      name: 'gzip2-int16',
      bytes: compressed(
        compressedImageHdu({ width: 13, height: 9, zbitpix: 16, tile: [5, 4], compression: 'GZIP_2', stored: ramp(117, 15000) }),
      ),
    },
    {
      name: 'gzip1-float64-keywords',
      bytes: compressed(
        compressedImageHdu({
          width: 6,
          height: 4,
          zbitpix: -64,
          compression: 'GZIP_1',
          stored: ramp(24, 30),
          extraCards: [card('ZQUANTIZ', quoted('NO_DITHER')), card('ZSCALE', 0.125), card('ZZERO', 10)],
        }),
      ),
    },
    {
      name: 'rice-lossless-float-tiles',
      bytes: compressed(
        compressedImageHdu({
          width: 8,
          height: 3,
          zbitpix: -32,
          stored: lossless.map((v) => Math.round(v / 0.5)),
          floats: lossless,
          gzipFloatTiles: new Set([1]),
          zscale: [0.5, 0.5, 0.5],
          zzero: [0, 0, 0],
          extraCards: [card('ZQUANTIZ', quoted('NO_DITHER'))],
        }),
      ),
    },
    {
      name: 'rice-uncompressed-tiles',
      bytes: compressed(compressedImageHdu({ width: 10, height: 4, zbitpix: 32, stored: ramp(40, 9000), uncompressedTiles: new Set([2]) })),
    },
    {
      name: 'multi-hdu',
      bytes: concat([
        emptyPrimary(),
        hduBytes(
          [
            card('XTENSION', quoted('BINTABLE')),
            card('BITPIX', 8),
            card('NAXIS', 2),
            card('NAXIS1', 8),
            card('NAXIS2', 3),
            card('PCOUNT', 0),
            card('GCOUNT', 1),
            card('TFIELDS', 2),
            card('TTYPE1', quoted('TIME')),
            card('TFORM1', quoted('1J')),
            card('TTYPE2', quoted('FLUX')),
            card('TFORM2', quoted('1E')),
            card('EXTNAME', quoted('EVENTS')),
          ],
          bigEndian(32, [1, 2, 3, 4, 5, 6]),
        ),
        IMAGE_EXTENSION(16, [3, 2], 'SMALL', (i) => i * 100),
        compressedImageHdu({ width: 12, height: 5, zbitpix: 16, bytePix: 2, stored: ramp(60, 500), extraCards: [EXTNAME] }),
        IMAGE_EXTENSION(-32, [4, 4], 'LAST', (i) => i),
      ]),
    },
    {
      name: 'no-image',
      bytes: concat([
        emptyPrimary([card('ORIGIN', quoted('fuzz'))]),
        hduBytes(
          [
            card('XTENSION', quoted('BINTABLE')),
            card('BITPIX', 8),
            card('NAXIS', 2),
            card('NAXIS1', 4),
            card('NAXIS2', 2),
            card('PCOUNT', 0),
            card('GCOUNT', 1),
            card('TFIELDS', 1),
            card('TFORM1', quoted('1J')),
          ],
          bigEndian(32, [7, 8]),
        ),
      ]),
    },
  ];
}
