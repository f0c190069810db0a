import { describe, expect, it } from 'vitest';
import { bigEndian, card, concat, emptyPrimary, errorOf, fitsjsPixels, hduBytes, plainImageFile, quoted } from '@enhance/test-support';
import { listHdus } from './list-hdus.js';
import { readFits } from './read-fits.js';

const width = 7;
const height = 5;
const n = width * height;

describe('readFits on plain images', () => {
  const integerCases = [
    { bitpix: 8 as const, stored: Array.from({ length: n }, (_, i) => (i * 37) % 256), bscale: 0.5, bzero: -10, blank: 255 },
    { bitpix: 16 as const, stored: Array.from({ length: n }, (_, i) => -32767 + i * 1871), bscale: 1, bzero: 32768, blank: -32768 },
    {
      bitpix: 32 as const,
      stored: Array.from({ length: n }, (_, i) => -2147483647 + i * 122713351),
      bscale: 3,
      bzero: 97304,
      blank: -2147483648,
    },
  ];
  for (const { bitpix, stored, bscale, bzero, blank } of integerCases) {
    it(`decodes BITPIX = ${bitpix} with BSCALE, BZERO and BLANK → NaN`, () => {
      const values = [...stored];
      values[3] = blank;
      const bytes = plainImageFile(bitpix, [width, height], values, [card('BSCALE', bscale), card('BZERO', bzero), card('BLANK', blank)]);
      const image = readFits(bytes, { precision: 'float64' });
      expect(image.width).toBe(width);
      expect(image.height).toBe(height);
      expect(image.bitpix).toBe(bitpix);
      expect(image.hdu).toBe(0);
      for (let i = 0; i < n; i += 1) {
        if (i === 3) expect(image.data[i]).toBeNaN();
        else expect(image.data[i]).toBe(bzero + bscale * values[i]);
      }
    });
  }

  it('decodes BITPIX = 64, including values beyond 32 bits', () => {
    const stored = Array.from({ length: n }, (_, i) => BigInt(i) * 2n ** 40n - 7n);
    stored[5] = -1n;
    const image = readFits(plainImageFile(64, [width, height], stored, [card('BLANK', -1)]), { precision: 'float64' });
    for (let i = 0; i < n; i += 1) {
      if (i === 5) expect(image.data[i]).toBeNaN();
      else expect(image.data[i]).toBe(Number(stored[i]));
    }
  });

  for (const bitpix of [-32, -64] as const) {
    it(`decodes BITPIX = ${bitpix} keeping NaN and infinities`, () => {
      const values = Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3);
      values[2] = NaN;
      values[4] = -Infinity;
      const image = readFits(plainImageFile(bitpix, [width, height], values), { precision: 'float64' });
      for (let i = 0; i < n; i += 1) {
        const expected = bitpix === -32 ? Math.fround(values[i]) : values[i];
        expect(Object.is(image.data[i], expected) || image.data[i] === expected).toBe(true);
      }
    });
  }

  it('agrees with fitsjs on BITPIX 8, 16, 32 and −32, pixel for pixel, in row-major order', () => {
    for (const bitpix of [8, 16, 32, -32] as const) {
      const stored = Array.from({ length: n }, (_, i) => (bitpix === 8 ? i * 7 : bitpix === -32 ? i / 3 - 4 : i * 1001 - 9000));
      // A non-integer BSCALE makes fitsjs return floats rather than rescale into the integer array.
      const bytes = plainImageFile(bitpix, [width, height], stored, [card('BSCALE', 0.25), card('BZERO', 2.5)]);
      const ours = readFits(bytes);
      const theirs = fitsjsPixels(bigEndian(bitpix, stored), bitpix, 2.5, 0.25);
      expect(Array.from(ours.data)).toEqual(theirs.map((v) => Math.fround(v)));
      // Pixel (x, y) = (4, 2) is stored at y · NAXIS1 + x.
      expect(ours.data[2 * width + 4]).toBe(Math.fround(2.5 + 0.25 * stored[2 * width + 4]));
    }
  });

  it('gives float32 data by default and the file header', () => {
    const image = readFits(
      plainImageFile(
        -64,
        [width, height],
        Array.from({ length: n }, (_, i) => i + 1 / 3),
        [card('CRPIX1', 4.5)],
      ),
    );
    expect(image.data).toBeInstanceOf(Float32Array);
    expect(image.data[1]).toBe(Math.fround(1 + 1 / 3));
    expect(image.header.get('CRPIX1')).toBe(4.5);
    expect(image.header.get('NAXIS1')).toBe(width);
  });
});

describe('readFits choosing the HDU', () => {
  const imageExtension = (shape: number[], fill: number) =>
    hduBytes(
      [
        card('XTENSION', quoted('IMAGE')),
        card('BITPIX', -32),
        card('NAXIS', shape.length),
        ...shape.map((s, i) => card(`NAXIS${i + 1}`, s)),
        card('PCOUNT', 0),
        card('GCOUNT', 1),
      ],
      bigEndian(-32, new Array(shape.reduce((a, b) => a * b, 1)).fill(fill)),
    );
  const table = hduBytes(
    [
      card('XTENSION', quoted('BINTABLE')),
      card('BITPIX', 8),
      card('NAXIS', 2),
      card('NAXIS1', 4),
      card('NAXIS2', 1),
      card('PCOUNT', 0),
      card('GCOUNT', 1),
      card('TFIELDS', 1),
      card('TFORM1', quoted('1J')),
    ],
    new Uint8Array(4),
  );

  it('takes the first 2-D image after an empty primary and a table', () => {
    const bytes = concat([emptyPrimary(), table, imageExtension([3, 2], 7), imageExtension([4, 4], 9)]);
    const image = readFits(bytes);
    expect(image.hdu).toBe(2);
    expect(Array.from(image.data)).toEqual([7, 7, 7, 7, 7, 7]);
    expect(readFits(bytes, { hdu: 3 }).width).toBe(4);
    const hdus = listHdus(bytes);
    expect(hdus.map((h) => h.kind)).toEqual(['primary', 'bintable', 'image', 'image']);
    expect(hdus.map((h) => h.headerOffset)).toEqual([0, 2880, 8640, 14400]);
    expect(hdus[2].imageShape).toEqual([3, 2]);
  });

  it('reads a cube with one plane as a 2-D image, and names the shape of a real cube', () => {
    expect(readFits(concat([emptyPrimary(), imageExtension([3, 2, 1], 1)])).height).toBe(2);
    const error = errorOf(() => readFits(concat([emptyPrimary(), imageExtension([512, 512, 4], 1)]), { file: 'cube.fits' }));
    expect(error.code).toBe('FITS_NOT_2D');
    expect(error.message).toBe('cube.fits: HDU 1: NAXIS = 3 (a 512×512×4 cube): expected a 2-D image');
  });

  it('explains a missing image, an HDU without one and an HDU out of range', () => {
    const noImage = errorOf(() => readFits(concat([emptyPrimary(), table]), { file: 'x.fits' }));
    expect(noImage.code).toBe('FITS_NO_IMAGE');
    expect(noImage.message).toContain('0: primary NAXIS = 0; 1: bintable');
    expect(errorOf(() => readFits(concat([emptyPrimary(), table]), { hdu: 1 })).code).toBe('FITS_NO_IMAGE');
    const range = errorOf(() => readFits(concat([emptyPrimary(), table]), { hdu: 2 }));
    expect(range.code).toBe('FITS_HDU_OUT_OF_RANGE');
    expect(range.message).toContain('numbered 0 to 1');
  });
});

describe('readFits on broken files', () => {
  const good = plainImageFile(-32, [width, height], new Array(n).fill(1));

  it('rejects bytes that are not FITS, naming what it found', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(100).fill(0)]);
    const error = errorOf(() => readFits(png, { file: 'image.png' }));
    expect(error.code).toBe('FITS_NOT_FITS');
    expect(error.message).toContain('image.png: not a FITS file');
    expect(error.message).toContain('.PNG');
    expect(errorOf(() => readFits(new Uint8Array(0))).code).toBe('FITS_NOT_FITS');
  });

  it('reports a header without END and data cut short', () => {
    const headerOnly = good.slice(0, 2880);
    headerOnly.set(new Uint8Array(80).fill(0x20), 5 * 80); // blank out END
    expect(errorOf(() => readFits(headerOnly)).code).toBe('FITS_TRUNCATED');
    const cut = errorOf(() => readFits(good.slice(0, 2880 + 100), { file: 'cut.fits' }));
    expect(cut.code).toBe('FITS_TRUNCATED');
    expect(cut.message).toBe(
      'cut.fits: HDU 0: the data unit needs 140 bytes (BITPIX = -32, NAXIS1 = 7, NAXIS2 = 5) from byte 2880 but the file ends at byte 2980',
    );
  });

  it('accepts a last data unit whose padding is missing', () => {
    expect(readFits(good.slice(0, 2880 + 4 * n)).data[n - 1]).toBe(1);
  });

  it('rejects an unknown BITPIX and non-integer axis lengths', () => {
    const odd = plainImageFile(-32, [width, height], new Array(n).fill(1)).slice();
    const text = new TextDecoder()
      .decode(odd.subarray(0, 2880))
      .replace(`BITPIX  = ${'-32'.padStart(20)}`, `BITPIX  = ${'24'.padStart(20)}`);
    odd.set(new TextEncoder().encode(text));
    const error = errorOf(() => readFits(odd));
    expect(error.code).toBe('FITS_UNSUPPORTED_BITPIX');
    expect(error.message).toContain('BITPIX = 24');
    const badAxis = hduBytes([
      card('SIMPLE', true),
      card('BITPIX', -32),
      card('NAXIS', 2),
      card('NAXIS1', quoted('wide')),
      card('NAXIS2', 2),
    ]);
    const axisError = errorOf(() => readFits(badAxis));
    expect(axisError.code).toBe('FITS_BAD_HEADER');
    expect(axisError.message).toBe("HDU 0: NAXIS1 = 'wide' must be a non-negative integer");
  });
});
