import { describe, expect, it } from 'vitest';
import {
  applyMutations,
  bigEndian,
  card,
  compressedImageHdu,
  concat,
  emptyPrimary,
  errorOf,
  hduBytes,
  plainImageFile,
  quoted,
  type Mutation,
} from '@enhance/test-support';
import { listHdus } from './list-hdus.js';
import { readFits } from './read-fits.js';

// One file per condition the standard forbids (or the format makes impossible), each refused with an
// EnhanceError that names the file, the HDU and the card, before anything is sized from the value.

const stored = (count: number) => Array.from({ length: count }, (_, i) => ((i * 7919) % 9000) - 4500);
const plain = plainImageFile(-32, [7, 5], new Array(35).fill(1));
const plain16 = plainImageFile(16, [4, 3], stored(12), [card('BLANK', -32768), card('BSCALE', 2)]);
const plain64 = plainImageFile(64, [4, 3], stored(12), [card('BLANK', -1)]);
const extension = concat([
  emptyPrimary(),
  hduBytes(
    [
      card('XTENSION', quoted('IMAGE')),
      card('BITPIX', -32),
      card('NAXIS', 2),
      card('NAXIS1', 3),
      card('NAXIS2', 2),
      card('PCOUNT', 0),
      card('GCOUNT', 1),
      card('EXTNAME', quoted('SCI')),
    ],
    bigEndian(-32, [1, 2, 3, 4, 5, 6]),
  ),
]);
const rice = concat([
  emptyPrimary(),
  compressedImageHdu({
    width: 52,
    height: 40,
    zbitpix: 32,
    stored: stored(52 * 40),
    tile: [52, 1],
    extraCards: [card('EXTNAME', quoted('COMPRESSED_IMAGE')), card('BLANK', -2147483648), card('BZERO', 97304), card('BSCALE', 3)],
  }),
]);
const dithered = concat([
  emptyPrimary(),
  compressedImageHdu({
    width: 16,
    height: 4,
    zbitpix: -32,
    stored: stored(64),
    zscale: [0.5, 0.5, 0.5, 0.5],
    zzero: [1, 2, 3, 4],
    zblank: [-2147483647, -2147483647, -2147483647, -2147483647],
    extraCards: [card('ZQUANTIZ', quoted('SUBTRACTIVE_DITHER_1')), card('ZDITHER0', 7)],
  }),
]);
const scaledKeywords = concat([
  emptyPrimary(),
  compressedImageHdu({
    width: 6,
    height: 4,
    zbitpix: -64,
    compression: 'GZIP_1',
    stored: stored(24),
    extraCards: [card('ZQUANTIZ', quoted('NO_DITHER')), card('ZSCALE', 0.125), card('ZZERO', 10)],
  }),
]);
const wideGzip = concat([
  emptyPrimary(),
  compressedImageHdu({ width: 600, height: 2, zbitpix: 32, compression: 'GZIP_1', stored: stored(1200) }),
]);

const set = (key: string, value: string, occurrence = 0): Mutation => ({ kind: 'card-value', key, value, occurrence });
/** A card written before the END of header `header` (0: the primary). */
const add = (key: string, value: string, header: number): Mutation => ({ kind: 'card-add', key, value, occurrence: header });
/** A big-endian 32-bit word written at this byte of the first binary table's data unit. */
const tableWord = (offset: number, value: number): Mutation => ({ kind: 'table-word', table: 0, offset, value });

interface Refusal {
  readonly condition: string;
  readonly file: Uint8Array;
  readonly edits: readonly Mutation[];
  readonly code: string;
  readonly message: string;
}

const refusals: Refusal[] = [
  {
    condition: 'a negative NAXISn',
    file: plain,
    edits: [set('NAXIS1', '-4')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: NAXIS1 = -4 must be a non-negative integer',
  },
  {
    condition: 'a fractional NAXISn',
    file: plain,
    edits: [set('NAXIS2', '2.5')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: NAXIS2 = 2.5 must be a non-negative integer',
  },
  {
    condition: 'NAXIS above 999',
    file: plain,
    edits: [set('NAXIS', '1000')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: NAXIS = 1000 must be an integer from 0 to 999',
  },
  {
    condition: 'a negative data length (the walk would step back)',
    file: extension,
    edits: [set('NAXIS1', '-2880')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (SCI): NAXIS1 = -2880 must be a non-negative integer',
  },
  {
    condition: 'GCOUNT other than 1 in an IMAGE extension',
    file: extension,
    edits: [set('GCOUNT', '-1')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (SCI): GCOUNT = -1 must be 1 in an IMAGE extension',
  },
  {
    condition: 'GCOUNT = 0 in a primary HDU',
    file: plain,
    edits: [add('GCOUNT', '0', 0)],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: GCOUNT = 0 must be 1 in a primary HDU without random groups',
  },
  {
    condition: 'a negative PCOUNT in a primary HDU',
    file: plain,
    edits: [add('PCOUNT', '-10', 0)],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: PCOUNT = -10 must be 0 in a primary HDU without random groups',
  },
  {
    condition: 'a negative table PCOUNT',
    file: rice,
    edits: [set('PCOUNT', '-18464')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): PCOUNT = -18464 must be a non-negative integer',
  },
  {
    condition: 'a nan PCOUNT',
    file: rice,
    edits: [set('PCOUNT', 'nan')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): PCOUNT = nan must be a non-negative integer',
  },
  {
    condition: 'GCOUNT other than 1 in a binary table',
    file: rice,
    edits: [set('GCOUNT', '-2880')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): GCOUNT = -2880 must be 1 in a BINTABLE extension',
  },
  {
    condition: 'THEAP inside the main table',
    file: rice,
    edits: [add('THEAP', '0', 1)],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): THEAP = 0 must be an integer from NAXIS1 × NAXIS2 = 320 to NAXIS1 × NAXIS2 + PCOUNT =',
  },
  {
    condition: 'THEAP past the data unit',
    file: rice,
    edits: [add('THEAP', '99999999', 1)],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): THEAP = 99999999 must be an integer from',
  },
  {
    condition: 'a fractional TFIELDS',
    file: rice,
    edits: [set('TFIELDS', '1.5')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): TFIELDS = 1.5 must be an integer from 0 to 999',
  },
  {
    condition: 'NAXIS1 that is not the row width of the TFORMn',
    file: rice,
    edits: [set('NAXIS1', '4')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): NAXIS1 = 4 must be 8, the row width of TFORM1',
  },
  {
    condition: 'an unknown BITPIX',
    file: plain,
    edits: [set('BITPIX', '24')],
    code: 'FITS_UNSUPPORTED_BITPIX',
    message: 'HDU 0: BITPIX = 24 must be one of 8, 16, 32, 64, -32, -64',
  },
  {
    condition: 'a BITPIX that is not a number',
    file: plain,
    edits: [set('BITPIX', "'abc'")],
    code: 'FITS_BAD_HEADER',
    message: "HDU 0: BITPIX = 'abc' must be one of 8, 16, 32, 64, -32, -64",
  },
  {
    condition: 'an unknown ZBITPIX',
    file: rice,
    edits: [set('ZBITPIX', '24')],
    code: 'FITS_UNSUPPORTED_BITPIX',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZBITPIX = 24 must be one of',
  },
  {
    condition: 'a negative ZNAXISn',
    file: rice,
    edits: [set('ZNAXIS2', '-1')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZNAXIS2 = -1 must be a positive integer',
  },
  {
    condition: 'ZNAXISn = 0',
    file: rice,
    edits: [set('ZNAXIS1', '0')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZNAXIS1 = 0 must be a positive integer',
  },
  {
    condition: 'ZNAXIS = 0',
    file: rice,
    edits: [set('ZNAXIS', '0')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZNAXIS = 0 must be an integer from 1 to 999',
  },
  {
    condition: 'a missing ZNAXISn',
    file: rice,
    edits: [{ kind: 'card-remove', key: 'ZNAXIS2', occurrence: 0 }],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZNAXIS2 is missing; it must be a positive integer',
  },
  {
    condition: 'an image larger than the reader decodes',
    file: rice,
    edits: [set('ZNAXIS1', '100000'), set('ZNAXIS2', '100000')],
    code: 'FITS_TOO_LARGE',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZNAXIS1 × ZNAXIS2 = 100000 × 100000 pixels, more than the 268435456 the reader decodes',
  },
  {
    condition: 'more tiles than table rows',
    file: rice,
    edits: [set('ZNAXIS1', '2000')],
    code: 'FITS_CORRUPT_TILE',
    message: 'HDU 1 (COMPRESSED_IMAGE): the table has NAXIS2 = 40 rows but a 2000×40 image in ZTILE1 × ZTILE2 = 52×1 tiles needs 1560',
  },
  {
    condition: 'a negative ZTILEn',
    file: rice,
    edits: [set('ZTILE2', '-1')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZTILE2 = -1 must be a positive integer',
  },
  {
    condition: 'a nan ZTILEn',
    file: rice,
    edits: [set('ZTILE1', 'nan')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZTILE1 = nan must be a positive integer',
  },
  {
    condition: 'ZTILEn = 0',
    file: rice,
    edits: [set('ZTILE1', '0')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZTILE1 = 0 must be a positive integer',
  },
  {
    condition: 'a zero Rice BLOCKSIZE',
    file: rice,
    edits: [set('ZVAL1', '0')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (COMPRESSED_IMAGE): ZVAL1 = 0 must be a positive integer (the Rice BLOCKSIZE)',
  },
  {
    condition: 'a Rice BYTEPIX other than 1, 2, 4',
    file: rice,
    edits: [set('ZVAL2', '3')],
    code: 'FITS_UNSUPPORTED_COMPRESSION',
    message: 'HDU 1 (COMPRESSED_IMAGE): BYTEPIX = 3: RICE_1 supports 1, 2 or 4',
  },
  {
    condition: 'a fractional ZDITHER0',
    file: dithered,
    edits: [set('ZDITHER0', '1.5')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZDITHER0 = 1.5 must be an integer from 1 to 10000',
  },
  {
    condition: 'ZDITHER0 = 0',
    file: dithered,
    edits: [set('ZDITHER0', '0')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZDITHER0 = 0 must be an integer from 1 to 10000',
  },
  {
    condition: 'ZDITHER0 above 10000',
    file: dithered,
    edits: [set('ZDITHER0', '10001')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZDITHER0 = 10001 must be an integer from 1 to 10000',
  },
  {
    condition: 'an unknown ZQUANTIZ',
    file: dithered,
    edits: [set('ZQUANTIZ', "'ROUND'")],
    code: 'FITS_UNSUPPORTED_COMPRESSION',
    message:
      "HDU 1 (tile-compressed image): ZQUANTIZ = 'ROUND' must be one of 'NO_DITHER', 'SUBTRACTIVE_DITHER_1', 'SUBTRACTIVE_DITHER_2', 'NONE'",
  },
  {
    condition: 'a ZQUANTIZ that is not a string',
    file: dithered,
    edits: [set('ZQUANTIZ', '2')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZQUANTIZ = 2 must be one of',
  },
  {
    condition: 'a fractional BLANK (BITPIX 64)',
    file: plain64,
    edits: [set('BLANK', '1.5')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: BLANK = 1.5 must be an integer',
  },
  {
    condition: 'a BLANK that is not a number',
    file: plain16,
    edits: [set('BLANK', "'none'")],
    code: 'FITS_BAD_HEADER',
    message: "HDU 0: BLANK = 'none' must be an integer",
  },
  {
    condition: 'a fractional ZBLANK keyword',
    file: dithered,
    edits: [add('ZBLANK', '0.5', 1)],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZBLANK = 0.5 must be an integer',
  },
  {
    condition: 'a nan BSCALE',
    file: plain16,
    edits: [set('BSCALE', 'nan')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 0: BSCALE = nan must be a finite number',
  },
  {
    condition: 'a BZERO that is not a number',
    file: rice,
    edits: [set('BZERO', "'abc'")],
    code: 'FITS_BAD_HEADER',
    message: "HDU 1 (COMPRESSED_IMAGE): BZERO = 'abc' must be a finite number",
  },
  {
    condition: 'an infinite ZSCALE keyword',
    file: scaledKeywords,
    edits: [set('ZSCALE', 'inf')],
    code: 'FITS_BAD_HEADER',
    message: 'HDU 1 (tile-compressed image): ZSCALE = inf must be a finite number',
  },
  {
    condition: 'a per-tile ZSCALE of NaN',
    file: dithered,
    edits: [tableWord(8, 0x7ff80000)],
    code: 'FITS_CORRUPT_TILE',
    message: 'HDU 1 (tile-compressed image), tile 1: ZSCALE = NaN: expected a finite number',
  },
  {
    condition: 'a ZSCALE column that holds text',
    file: dithered,
    edits: [set('TFORM2', "'8A'")],
    code: 'FITS_BAD_HEADER',
    message: "HDU 1 (tile-compressed image): TFORM2 = '8A' must be a numeric column of fixed width to hold ZSCALE",
  },
  {
    condition: 'a descriptor pointing past the heap',
    file: rice,
    edits: [tableWord(4, 0x7fffffff)],
    code: 'FITS_CORRUPT_TILE',
    message: 'HDU 1 (COMPRESSED_IMAGE), tile 1: its COMPRESSED_DATA descriptor points at',
  },
  {
    condition: 'a Rice tile too short to hold its pixels',
    file: rice,
    edits: [tableWord(0, 2)],
    code: 'FITS_CORRUPT_TILE',
    message: 'HDU 1 (COMPRESSED_IMAGE), tile 1: its 2 bytes of Rice code hold at most 0 pixels (BLOCKSIZE = 32), not its 52',
  },
  {
    condition: 'a gzip tile too short to inflate to its pixels',
    file: wideGzip,
    edits: [tableWord(0, 2)],
    code: 'FITS_CORRUPT_TILE',
    message: 'HDU 1 (tile-compressed image), tile 1: its 2 gzip bytes cannot inflate to the 2400 bytes of its 600 pixels',
  },
  {
    condition: 'a compressed data unit that overruns the file',
    file: rice.slice(0, 5760 + 100),
    edits: [],
    code: 'FITS_TRUNCATED',
    message: 'HDU 1 (COMPRESSED_IMAGE): the data unit needs',
  },
  {
    condition: 'a plain data unit that overruns the file',
    file: plain.slice(0, 2880 + 100),
    edits: [],
    code: 'FITS_TRUNCATED',
    message: 'HDU 0: the data unit needs 140 bytes (BITPIX = -32, NAXIS1 = 7, NAXIS2 = 5)',
  },
];

describe('readFits refuses what the standard forbids', () => {
  it.each(refusals)('$condition', ({ file, edits, code, message }) => {
    const bytes = applyMutations(file, edits);
    expect(bytes).not.toEqual(edits.length > 0 ? file : new Uint8Array(0));
    const error = errorOf(() => readFits(bytes, { file: 'bad.fits' }));
    expect(error.code).toBe(code);
    expect(error.file).toBe('bad.fits');
    expect(error.message.startsWith(`bad.fits: ${message}`), error.message).toBe(true);
  });

  it('checks the HDU walk for every HDU, not only the one it reads', () => {
    const trailing = concat([plain, extension.slice(2880)]);
    expect(readFits(trailing).width).toBe(7);
    const error = errorOf(() => listHdus(applyMutations(trailing, [set('NAXIS1', '-2880', 1)]), { file: 'walk.fits' }));
    expect(error.message).toBe('walk.fits: HDU 1 (SCI): NAXIS1 = -2880 must be a non-negative integer');
  });

  it('inflates a gzip tile into a buffer of its own size, whatever size its trailer claims', () => {
    const before = readFits(wideGzip, { precision: 'float64' });
    const hdu = listHdus(wideGzip)[1];
    const view = new DataView(wideGzip.buffer, wideGzip.byteOffset + hdu.dataOffset);
    const [length, heapOffset] = [view.getUint32(0), view.getUint32(4)];
    const forged = wideGzip.slice();
    // ISIZE, the last 4 bytes of the first tile's gzip stream (little-endian), set to 4 GiB − 1.
    const heapStart = Number(hdu.header.get('NAXIS1')) * Number(hdu.header.get('NAXIS2'));
    new DataView(forged.buffer).setUint32(hdu.dataOffset + heapStart + heapOffset + length - 4, 0xffffffff, true);
    expect(Array.from(readFits(forged, { precision: 'float64' }).data)).toEqual(Array.from(before.data));
  });
});
