import { describe, expect, it } from 'vitest';
import { FitsHeader } from '../fits/index.js';
import { detectEnhanceKind, kindFromData, kindFromFileName, kindFromHeader } from './detect-enhance-kind.js';

const header = (cards: Record<string, string>) => Object.entries(cards).reduce((h, [key, value]) => h.with(key, value), new FitsHeader());

/** Deterministic pseudo-noise in [−0.5, 0.5): a linear congruential generator, independent of the code under test. */
function noise(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

/**
 * An HMI-like active-region magnetogram in gauss: ±20 G noise everywhere and a −2 kG leading spot
 * covering much of the field, so most pixels are negative and the image is far from balanced (as the
 * real 2010-08-30 HMI cut-out in ../shared: 62 % negative, 1st percentile −679 G, 99th +47 G).
 */
function unipolarMagnetogram(width = 64, height = 64) {
  const random = noise(7);
  return Float32Array.from({ length: width * height }, (_, i) => {
    const x = (i % width) - 20;
    const y = Math.floor(i / width) - 30;
    return 40 * random() - 2000 * Math.exp(-(x * x + y * y) / 60) - 25 * Math.exp(-(x * x + y * y) / 2000);
  });
}

/** Normalised continuum: granulation around 1, a 0.3 umbra, and NaN beyond the limb on one side. */
function continuum(width = 64, height = 64) {
  const random = noise(11);
  return Float32Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    if (x > 56) return Number.NaN;
    const umbra = (x - 30) ** 2 + (y - 30) ** 2 < 49;
    return umbra ? 0.3 + 0.02 * random() : 1 + 0.06 * random();
  });
}

describe('kindFromHeader', () => {
  it.each([
    [{ BUNIT: 'Gauss' }, 'blos', "BUNIT = 'Gauss'"],
    [{ BUNIT: 'G' }, 'blos', "BUNIT = 'G'"],
    [{ BUNIT: 'Mx/cm^2' }, 'blos', "BUNIT = 'Mx/cm^2'"],
    [{ CONTENT: 'MAGNETOGRAM' }, 'blos', "CONTENT = 'MAGNETOGRAM'"],
    [{ BUNIT: 'DN/s' }, 'intensity', "BUNIT = 'DN/s'"],
    [{ BUNIT: 'counts' }, 'intensity', "BUNIT = 'counts'"],
    [{ BUNIT: 'erg/s/cm^2/sr' }, 'intensity', "BUNIT = 'erg/s/cm^2/sr'"],
    [{ BUNIT: 'I/Ic' }, 'intensity', "BUNIT = 'I/Ic'"],
    [{ BUNIT: 'normalized intensity' }, 'intensity', "BUNIT = 'normalized intensity'"],
    [{ CONTENT: 'CONTINUUM INTENSITY' }, 'intensity', "CONTENT = 'CONTINUUM INTENSITY'"],
    // BUNIT comes first: a JSOC SHARP continuum says 'HMI observable' in CONTENT and DN/s in BUNIT.
    [{ BUNIT: 'DN/s', CONTENT: 'HMI observable' }, 'intensity', "BUNIT = 'DN/s'"],
    [{ TELESCOP: 'SDO/HMI', DRMS_ID: 'hmi.M_45s:12345:magnetogram' }, 'blos', 'DRMS_ID names the hmi.M (line-of-sight magnetogram)'],
    [{ TELESCOP: 'SDO/HMI', SOURCE: 'hmi.Ic_720s[2014.01.31_02:48:00_TAI]' }, 'intensity', 'SOURCE names the hmi.Ic (continuum intensity)'],
    [{ SOURCE: 'hmi.sharp_cea_720s[3700][2014.01.31_02:48:00_TAI] continuum' }, 'intensity', 'SOURCE names the SHARP continuum segment'],
  ] as const)('%o → %s (%s)', (cards, kind, reason) => {
    expect(kindFromHeader(header(cards))).toEqual({ kind, decidedBy: 'header', reason });
  });

  it('recognises the units and contents of other observables as neither kind', () => {
    expect(kindFromHeader(header({ BUNIT: 'km/s' }))).toMatchObject({
      kind: undefined,
      decidedBy: 'header',
      reason: "BUNIT = 'km/s', the unit of neither a magnetogram nor an intensity image",
    });
    expect(kindFromHeader(header({ CONTENT: 'DOPPLERGRAM' }))).toMatchObject({ kind: undefined, decidedBy: 'header' });
  });

  it('finds a series named in HISTORY text', () => {
    const withHistory = new FitsHeader().with('TELESCOP', 'SDO/HMI').withHistory('exported from hmi.M_720s by drms');
    expect(kindFromHeader(withHistory)).toMatchObject({ kind: 'blos', decidedBy: 'header' });
  });

  it('says nothing when the header names no unit, content or series (TELESCOP and T_REC do not tell the observable)', () => {
    expect(kindFromHeader(new FitsHeader())).toBeUndefined();
    expect(
      kindFromHeader(header({ TELESCOP: 'SDO/HMI', INSTRUME: 'HMI_FRONT2', T_REC: '2011.01.01_00:00:00_TAI', BUNIT: 'unknown' })),
    ).toBeUndefined();
  });
});

describe('kindFromFileName', () => {
  it.each([
    ['hmi.sharp_cea_720s.2875.20130618_122400_TAI.continuum.fits', 'intensity'],
    ['/data/hmi.M_45s.20110101_000000_TAI.2.magnetogram.fits', 'blos'],
    ['hmi.Ic_45s.20110101_000000_TAI.2.continuum.fits', 'intensity'],
    ['hmi.V_45s.20110101_000000_TAI.2.Dopplergram.fits', undefined],
  ] as const)('%s → %s', (name, kind) => {
    expect(kindFromFileName(name)).toMatchObject({ kind, decidedBy: 'file-name' });
  });

  it('says nothing for a name without a series', () => {
    expect(kindFromFileName('my_image.fits')).toBeUndefined();
  });
});

describe('kindFromData', () => {
  it('takes a signed, mostly one-polarity active region for a magnetogram (its quiet Sun sits at 0 G)', () => {
    const data = unipolarMagnetogram();
    const negative = data.filter((v) => v < 0).length / data.length;
    expect(negative).toBeGreaterThan(0.55); // far from balanced: a sign count alone would not do
    const result = kindFromData(data);
    expect(result.kind).toBe('blos');
    expect(result.decidedBy).toBe('data');
    expect(result.reason).toMatch(/^signed values roughly symmetric about 0: 1st\/50th\/99th percentiles -\d+, -?\d.*, \d+ % negative$/);
  });

  it('takes a quiet-Sun magnetogram (noise about 0 G) for a magnetogram', () => {
    const random = noise(3);
    expect(kindFromData(Float32Array.from({ length: 4096 }, () => 30 * random())).kind).toBe('blos');
  });

  it('takes a positive image around a level, with NaN, an umbra and a few negative pixels, for intensity', () => {
    const data = continuum();
    data[5] = -0.01;
    expect(kindFromData(data)).toMatchObject({ kind: 'intensity', decidedBy: 'data' });
    // The level does not matter: DN/s or normalised.
    expect(kindFromData(data.map((v) => 52_000 * v)).kind).toBe('intensity');
  });

  it('leaves data that look like neither undecided', () => {
    expect(kindFromData(Float32Array.from({ length: 100 }, (_, i) => -1 - i)).kind).toBeUndefined();
    // Positive but with no level: mostly near 0 with a few bright pixels.
    expect(kindFromData(Float32Array.from({ length: 100 }, (_, i) => (i < 90 ? 0.001 * i : 100))).kind).toBeUndefined();
    expect(kindFromData(new Float32Array([Number.NaN, Number.NaN]))).toEqual({
      kind: undefined,
      decidedBy: 'data',
      reason: 'no finite pixel',
    });
  });
});

describe('detectEnhanceKind', () => {
  it('trusts the header over the data, then the file name, then the data', () => {
    const magnetogram = unipolarMagnetogram();
    expect(detectEnhanceKind({ data: magnetogram, header: header({ BUNIT: 'DN/s' }) })).toMatchObject({
      kind: 'intensity',
      decidedBy: 'header',
    });
    expect(
      detectEnhanceKind({ data: magnetogram, header: new FitsHeader() }, { fileName: 'hmi.Ic_45s.2011.continuum.fits' }),
    ).toMatchObject({
      kind: 'intensity',
      decidedBy: 'file-name',
    });
    expect(detectEnhanceKind({ data: magnetogram, header: new FitsHeader() }, { fileName: 'cutout.fits' })).toMatchObject({
      kind: 'blos',
      decidedBy: 'data',
    });
    expect(detectEnhanceKind({ data: continuum() })).toMatchObject({ kind: 'intensity', decidedBy: 'data' });
  });

  it('does not fall back to the data when the header names another observable', () => {
    const velocities = unipolarMagnetogram();
    expect(detectEnhanceKind({ data: velocities, header: header({ BUNIT: 'm/s' }) })).toMatchObject({
      kind: undefined,
      decidedBy: 'header',
    });
  });
});
