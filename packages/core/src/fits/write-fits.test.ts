import { describe, expect, it } from 'vitest';
import {
  card,
  compressedImageHdu,
  concat,
  emptyPrimary,
  errorOf,
  fitsjsHeader,
  fitsjsPixels,
  fitsverifyReport,
  hasFitsverify,
  plainImageFile,
  quoted,
} from '@enhance/test-support';
import type { SolarImage } from '../image/solar-image.js';
import { FitsHeader } from './fits-header.js';
import { readFits } from './read-fits.js';
import { writeFits } from './write-fits.js';

const width = 9;
const height = 6;
const values = Float32Array.from({ length: width * height }, (_, i) => (i % 5 === 0 ? NaN : Math.sin(i) * 1e3 + 1e-3 * i));

/** A header as JSOC exports carry: lower-case exponents, nan values, dates with 'Z', long strings. */
const jsocHeader = FitsHeader.parse(
  [
    card('XTENSION', quoted('BINTABLE')),
    card('ZIMAGE', true),
    card('ZCMPTYPE', quoted('RICE_1')),
    card('TTYPE1', quoted('COMPRESSED_DATA')),
    card('CTYPE1', quoted('CRLN-CEA')),
    card('CRPIX1', '292.000000'),
    card('CDELT1', '0.030000'),
    card('CRVAL1', '253.166748'),
    card('USFLUX', '3.312106e+20'),
    card('CRDER1', 'nan'),
    card('DATE_S', quoted('2013-06-23T04:05:40Z')),
    card('BSCALE', '3.'),
    card('BZERO', '97304.'),
    card('BLANK', -2147483648),
    card('CHECKSUM', quoted('YPgOaMgNTMgNYMgN')),
    card('DATASUM', quoted('3921653408')),
    card('COMMENT', undefined),
  ].join(''),
)
  .with('DESCRIPT', `a string longer than one card can hold, with 'quotes' ${'z'.repeat(100)}`)
  .withHistory('resampled ×2 by Enhance');

describe('writeFits', () => {
  for (const bitpix of [-32, -64] as const) {
    it(`writes BITPIX = ${bitpix} that reads back bit for bit, NaN included`, () => {
      const bytes = writeFits({ data: values, width, height, header: jsocHeader }, { bitpix });
      expect(bytes.length % 2880).toBe(0);
      const back = readFits(bytes);
      expect([back.width, back.height, back.bitpix]).toEqual([width, height, bitpix]);
      for (let i = 0; i < values.length; i += 1) expect(Object.is(back.data[i], values[i])).toBe(true);
    });
  }

  it('starts with the mandatory keywords in fixed format and big-endian data after the header', () => {
    const bytes = writeFits({ data: Float32Array.from([1, -2, 0.5, NaN]), width: 2, height: 2, header: new FitsHeader() });
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 2880));
    const images = text.match(/.{80}/g) ?? [];
    expect(images.slice(0, 6).map((image) => image.slice(0, 30))).toEqual([
      'SIMPLE  =                    T',
      'BITPIX  =                  -32',
      'NAXIS   =                    2',
      'NAXIS1  =                    2',
      'NAXIS2  =                    2',
      'EXTEND  =                    T',
    ]);
    expect(images[6]).toBe('END'.padEnd(80, ' '));
    expect(Array.from(bytes.subarray(2880, 2888))).toEqual([0x3f, 0x80, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00]);
    expect(Array.from(bytes.subarray(2880 + 12, 2880 + 13))[0] & 0x7f).toBe(0x7f); // NaN: exponent all ones
    expect(bytes.length).toBe(5760);
  });

  it('carries the header over in order, without compression, table, checksum or integer-scaling keywords', () => {
    const back = readFits(writeFits({ data: values, width, height, header: jsocHeader }));
    const keys = back.header.keys();
    for (const gone of ['XTENSION', 'ZIMAGE', 'ZCMPTYPE', 'TTYPE1', 'BSCALE', 'BZERO', 'BLANK', 'CHECKSUM', 'DATASUM']) {
      expect(keys).not.toContain(gone);
    }
    expect(keys).toEqual([
      'SIMPLE',
      'BITPIX',
      'NAXIS',
      'NAXIS1',
      'NAXIS2',
      'EXTEND',
      'LONGSTRN',
      'CTYPE1',
      'CRPIX1',
      'CDELT1',
      'CRVAL1',
      'USFLUX',
      'DATE_S',
      'DESCRIPT',
    ]);
    expect(back.header.get('CRPIX1')).toBe(292);
    expect(back.header.get('USFLUX')).toBe(3.312106e20);
    expect(back.header.has('CRDER1')).toBe(false); // FITS has no NaN
    expect(back.header.get('DATE_S')).toBe('2013-06-23T04:05:40');
    expect(back.header.get('DESCRIPT')).toBe(jsocHeader.get('DESCRIPT'));
    expect(back.header.history()).toEqual(['resampled x2 by Enhance']);
  });

  it('is read the same by fitsjs', () => {
    const bytes = writeFits({ data: values, width, height, header: jsocHeader });
    const headerEnd = bytes.length - Math.ceil((values.length * 4) / 2880) * 2880;
    const header = fitsjsHeader(new TextDecoder('latin1').decode(bytes.subarray(0, headerEnd)));
    expect([header.get('NAXIS1'), header.get('NAXIS2'), header.get('BITPIX')]).toEqual([width, height, -32]);
    const pixels = fitsjsPixels(bytes.subarray(headerEnd, headerEnd + values.length * 4), -32);
    for (let i = 0; i < values.length; i += 1) expect(Object.is(pixels[i], values[i])).toBe(true);
  });

  it('round-trips images read from every BITPIX, plain and Rice-compressed, as float64', () => {
    const n = width * height;
    const sources = [
      plainImageFile(
        8,
        [width, height],
        Array.from({ length: n }, (_, i) => i * 4),
        [card('BZERO', -128)],
      ),
      plainImageFile(
        16,
        [width, height],
        Array.from({ length: n }, (_, i) => i * 1200 - 30000),
        [card('BSCALE', 0.1), card('BLANK', -30000)],
      ),
      plainImageFile(
        32,
        [width, height],
        Array.from({ length: n }, (_, i) => i * 39e6 - 2e9),
        [card('BZERO', 1.5)],
      ),
      plainImageFile(
        64,
        [width, height],
        Array.from({ length: n }, (_, i) => BigInt(i) * 10n ** 12n),
      ),
      plainImageFile(-32, [width, height], Array.from(values)),
      plainImageFile(
        -64,
        [width, height],
        Array.from({ length: n }, (_, i) => Math.PI * i),
      ),
      concat([
        emptyPrimary(),
        compressedImageHdu({
          width,
          height,
          zbitpix: 32,
          stored: Array.from({ length: n }, (_, i) => i - 9),
          extraCards: [card('BSCALE', 3), card('BZERO', 97304)],
        }),
      ]),
    ];
    for (const source of sources) {
      const image = readFits(source, { precision: 'float64' });
      const back = readFits(writeFits(image, { bitpix: -64 }), { precision: 'float64' });
      for (let i = 0; i < n; i += 1) expect(Object.is(back.data[i], image.data[i])).toBe(true);
    }
  });

  it.skipIf(!hasFitsverify)('produces files fitsverify passes with 0 errors and 0 warnings', () => {
    for (const bitpix of [-32, -64] as const) {
      const bytes = writeFits({ data: values, width, height, header: jsocHeader }, { bitpix });
      expect(fitsverifyReport(bytes, `written${bitpix}.fits`)).toBe('');
    }
  });

  it('refuses data that do not match the size, and integer BITPIX', () => {
    const bad: SolarImage = { data: new Float32Array(5), width: 2, height: 2, header: new FitsHeader() };
    expect(errorOf(() => writeFits(bad, { file: 'out.fits' })).code).toBe('FITS_INVALID_IMAGE');
    const good: SolarImage = { ...bad, data: new Float32Array(4) };
    expect(errorOf(() => writeFits(good, { bitpix: 16 as unknown as -32 })).code).toBe('FITS_UNSUPPORTED_BITPIX');
  });
});
