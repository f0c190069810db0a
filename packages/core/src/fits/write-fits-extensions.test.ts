import { describe, expect, it } from 'vitest';
import { fitsjsHeader, fitsjsPixels, fitsverifyReport, hasFitsverify } from '@enhance/test-support';
import { superResolvedHeader } from '../image/super-resolved-header.js';
import { FitsHeader } from './fits-header.js';
import { listHdus } from './list-hdus.js';
import { readFits } from './read-fits.js';
import { writeFits } from './write-fits.js';

/** An HMI-like full-disk header (helioprojective, CROTA2, observer keywords) with unrelated cards too. */
const input = new FitsHeader([
  { key: 'DATE-OBS', value: '2014-01-31T02:48:00.00' },
  { key: 'TELESCOP', value: 'SDO/HMI' },
  { key: 'WAVELNTH', value: 6173 },
  { key: 'BUNIT', value: 'DN/s' },
  { key: 'CTYPE1', value: 'HPLN-TAN' },
  { key: 'CTYPE2', value: 'HPLT-TAN' },
  { key: 'CUNIT1', value: 'arcsec' },
  { key: 'CUNIT2', value: 'arcsec' },
  { key: 'CRPIX1', value: 6.5 },
  { key: 'CRPIX2', value: 4.5 },
  { key: 'CRVAL1', value: 100.25 },
  { key: 'CRVAL2', value: -300.5 },
  { key: 'CDELT1', value: 0.504 },
  { key: 'CDELT2', value: 0.504 },
  { key: 'CROTA2', value: 179.9 },
  { key: 'RSUN_OBS', value: 975.3 },
  { key: 'DSUN_OBS', value: 147_100_000_000 },
  { key: 'CRLN_OBS', value: 12.5 },
  { key: 'CRLT_OBS', value: -6.1 },
  { key: 'USFLUX', value: 3.3e20 },
  { key: 'CRDER1', value: Number.NaN },
  { key: 'QUALITY', value: 0 },
]);

const width = 12;
const height = 8;
const primary = {
  data: Float32Array.from({ length: 4 * width * height }, (_, i) => i * 0.5),
  width: 2 * width,
  height: 2 * height,
  header: superResolvedHeader(input, 2),
};
const residual = {
  data: Float32Array.from({ length: width * height }, (_, i) => (i === 3 ? Number.NaN : Math.sin(i))),
  width,
  height,
  header: input,
};
const spread = {
  data: Float32Array.from({ length: 4 * width * height }, (_, i) => i * 1e-3),
  width: 2 * width,
  height: 2 * height,
  header: primary.header,
};

const bytes = writeFits(primary, {
  extensions: [
    { image: residual, name: 'RESIDUAL', unit: 'DN/s', comments: ['the output degraded again minus the input'] },
    { image: spread, name: 'SPREAD', unit: 'DN/s' },
  ],
});

/** The header text of the HDU that starts at `offset`. */
function headerText(offset: number): string {
  const text = new TextDecoder('latin1').decode(bytes.subarray(offset));
  return text.slice(0, text.search(/END {77}/) + 80);
}

describe('writeFits with image extensions', () => {
  it('lists three image HDUs, each read back exactly by our reader', () => {
    const hdus = listHdus(bytes);
    expect(hdus.map((h) => h.kind)).toEqual(['primary', 'image', 'image']);
    const back = [0, 1, 2].map((hdu) => readFits(bytes, { hdu }));
    expect(back.map((b) => [b.width, b.height])).toEqual([
      [24, 16],
      [12, 8],
      [24, 16],
    ]);
    for (const [i, image] of [primary, residual, spread].entries()) {
      for (let p = 0; p < image.data.length; p++) expect(Object.is(back[i].data[p], image.data[p])).toBe(true);
    }
  });

  it("gives each extension XTENSION, PCOUNT/GCOUNT, EXTNAME, BUNIT and its grid's WCS, read by fitsjs", () => {
    const hdus = listHdus(bytes);
    const residualHeader = fitsjsHeader(headerText(hdus[1].headerOffset));
    const spreadHeader = fitsjsHeader(headerText(hdus[2].headerOffset));
    expect(residualHeader.get('XTENSION')).toBe('IMAGE');
    expect([residualHeader.get('PCOUNT'), residualHeader.get('GCOUNT')]).toEqual([0, 1]);
    expect([residualHeader.get('EXTNAME'), residualHeader.get('BUNIT')]).toEqual(['RESIDUAL', 'DN/s']);
    expect([spreadHeader.get('EXTNAME'), spreadHeader.get('BUNIT')]).toEqual(['SPREAD', 'DN/s']);
    // The residual lies on the input grid, the spread on the output grid: each keeps its own WCS.
    expect([residualHeader.get('CRPIX1'), residualHeader.get('CDELT1'), residualHeader.get('CROTA2')]).toEqual([6.5, 0.504, 179.9]);
    expect([spreadHeader.get('CRPIX1'), spreadHeader.get('CDELT1'), spreadHeader.get('CRVAL2')]).toEqual([2 * 6.5 - 0.5, 0.252, -300.5]);
    for (const key of ['DATE-OBS', 'TELESCOP', 'RSUN_OBS', 'DSUN_OBS', 'CRLN_OBS', 'CRLT_OBS', 'CTYPE1', 'CUNIT2'])
      expect(residualHeader.contains(key), key).toBe(true);
    // Not carried: the primary's non-WCS cards, and NaN values.
    for (const key of ['USFLUX', 'QUALITY', 'CRDER1', 'SIMPLE', 'EXTEND']) expect(residualHeader.contains(key), key).toBe(false);
    const pixels = fitsjsPixels(bytes.subarray(hdus[1].dataOffset, hdus[1].dataOffset + 4 * width * height), -32);
    expect(pixels[3]).toBeNaN();
    expect(pixels[5]).toBeCloseTo(Math.sin(5), 6);
  });

  it.skipIf(!hasFitsverify)('passes fitsverify', () => {
    expect(fitsverifyReport(bytes, 'with-extensions.fits')).toBe('');
  });
});
