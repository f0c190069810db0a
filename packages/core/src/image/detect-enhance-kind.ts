import type { FitsHeader } from '../fits/fits-header.js';
import type { EnhanceKind } from '../kinds.js';

/** What settled the kind: a header keyword, a JSOC series named in the file name, or the pixel values. */
export type KindEvidence = 'header' | 'file-name' | 'data';

export interface KindDetection {
  /** Undefined when the evidence names neither kind (a Dopplergram) or the data look like neither. */
  readonly kind: EnhanceKind | undefined;
  readonly decidedBy: KindEvidence;
  /** The evidence in words, e.g. `BUNIT = 'Gauss'` or the data's percentiles: for a warning or an error. */
  readonly reason: string;
}

export interface DetectKindOptions {
  /** The file's name: JSOC exports name their series and segment there (hmi.M_45s.….magnetogram.fits). */
  fileName?: string;
}

const MAGNETIC_UNITS = /^(g|gauss|kg|kgauss|mx\s*\/\s*cm\^?2|mx\s*cm\^?-2)$/;
const INTENSITY_UNITS = /dn|counts?\b|adu|erg|w\s*\/\s*m|photons?|^i\s*\/\s*i_?c$|normali[sz]ed|relative|arbitrary/;
/** Units of HMI's other observables (Doppler velocity, line width, field angles): neither network's input. */
const OTHER_UNITS = /^(c?m\s*\/\s*s|km\s*\/\s*s|m\s*s\^?-1|km\s*s\^?-1|deg|degrees?|rad|radians?|mangstrom|angstrom)$/;
const MAGNETIC_CONTENT = /magnetogram|magnetic field|line-of-sight field/;
const INTENSITY_CONTENT = /continuum|intensity/;
const OTHER_CONTENT = /doppler|line ?width|line ?depth|inclination|azimuth/;

/** JSOC series (and SHARP segments) whose records are one kind. Matched in header text and the file name. */
const SERIES: readonly { pattern: RegExp; kind: EnhanceKind | undefined; name: string }[] = [
  { pattern: /\bhmi\.m_(45|720)s(_nrt)?\b/i, kind: 'blos', name: 'hmi.M (line-of-sight magnetogram)' },
  { pattern: /\bmdi\.fd_m_(96m|lev182)\b/i, kind: 'blos', name: 'mdi.fd_M (line-of-sight magnetogram)' },
  { pattern: /\bhmi\.ic_(45s|720s|nolimbdark_720s)(_nrt)?\b/i, kind: 'intensity', name: 'hmi.Ic (continuum intensity)' },
  { pattern: /\bhmi\.v_(45|720)s(_nrt)?\b/i, kind: undefined, name: 'hmi.V (Dopplergram)' },
  { pattern: /\bhmi\.sharp(_cea)?_720s(_nrt)?\b.*\bmagnetogram\b/i, kind: 'blos', name: 'SHARP magnetogram segment' },
  { pattern: /\bhmi\.sharp(_cea)?_720s(_nrt)?\b.*\bcontinuum\b/i, kind: 'intensity', name: 'SHARP continuum segment' },
  { pattern: /\bhmi\.sharp(_cea)?_720s(_nrt)?\b.*\bdopplergram\b/i, kind: undefined, name: 'SHARP Dopplergram segment' },
];

/** At most this many pixels enter the data statistics: a strided sample is as good and bounded in time. */
const MAX_SAMPLES = 1 << 20;

/**
 * The kind an image shows, decided the same way by the CLI and the demo page:
 * 1. the header: BUNIT (G, Gauss, Mx/cm^2 → 'blos'; DN/s, counts, normalised intensity → 'intensity';
 *    a velocity or an angle → neither), then CONTENT (MAGNETOGRAM, CONTINUUM INTENSITY, DOPPLERGRAM),
 *    then a JSOC series named in any text card (hmi.M_45s, hmi.Ic_720s, hmi.sharp_cea_720s…continuum);
 *    TELESCOP, INSTRUME and T_REC say an image is HMI's but not which observable, so they decide nothing;
 * 2. the file name, for the same series names (JSOC exports are named after series and segment);
 * 3. the data: signed and roughly symmetric about 0 → a magnetogram; positive around a level → intensity.
 * `decidedBy` says which, so a caller can tell the user when the guess came from the data.
 */
export function detectEnhanceKind(
  image: { readonly data: ArrayLike<number>; readonly header?: FitsHeader },
  options: DetectKindOptions = {},
): KindDetection {
  return (
    (image.header && kindFromHeader(image.header)) ??
    (options.fileName !== undefined ? kindFromFileName(options.fileName) : undefined) ??
    kindFromData(image.data)
  );
}

/** Step 1 of {@link detectEnhanceKind}: undefined when the header names no unit, content or series it knows. */
export function kindFromHeader(header: FitsHeader): KindDetection | undefined {
  const rawUnit = header.getString('BUNIT');
  const unit = (rawUnit ?? '').trim().toLowerCase();
  const said = (kind: EnhanceKind | undefined, reason: string): KindDetection => ({ kind, decidedBy: 'header', reason });
  if (unit !== '') {
    const reason = `BUNIT = '${rawUnit?.trim()}'`;
    if (MAGNETIC_UNITS.test(unit)) return said('blos', reason);
    if (INTENSITY_UNITS.test(unit)) return said('intensity', reason);
    if (OTHER_UNITS.test(unit)) return said(undefined, `${reason}, the unit of neither a magnetogram nor an intensity image`);
  }
  const rawContent = header.getString('CONTENT');
  const content = (rawContent ?? '').toLowerCase();
  if (content !== '') {
    const reason = `CONTENT = '${rawContent?.trim()}'`;
    if (MAGNETIC_CONTENT.test(content)) return said('blos', reason);
    if (OTHER_CONTENT.test(content)) return said(undefined, `${reason}, neither a magnetogram nor an intensity image`);
    if (INTENSITY_CONTENT.test(content)) return said('intensity', reason);
  }
  for (const card of header.cards) {
    if (typeof card.value !== 'string') continue;
    const series = seriesIn(card.value);
    if (series) return said(series.kind, `${card.key} names the ${series.name}${series.kind ? '' : ', neither kind'}`);
  }
  return undefined;
}

/** Step 2 of {@link detectEnhanceKind}: a JSOC series and segment in the file name. */
export function kindFromFileName(fileName: string): KindDetection | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const series = seriesIn(base);
  if (!series) return undefined;
  return {
    kind: series.kind,
    decidedBy: 'file-name',
    reason: `the file name ${base} names the ${series.name}${series.kind ? '' : ', neither kind'}`,
  };
}

/**
 * Step 3 of {@link detectEnhanceKind}, from the finite pixels' 1st, 50th and 99th percentiles:
 * - a magnetogram has both signs (at least 5 % of the pixels each) and a median within a tenth of the
 *   larger tail from 0 (an active region of one polarity still has a quiet-Sun median near 0 G);
 * - an intensity image is positive (under 2 % negative pixels: noise off the limb) with its median at
 *   least a quarter of its 99th percentile (a level, the quiet Sun, that umbrae and the limb go below).
 * Anything else is left undecided (kind undefined).
 */
export function kindFromData(data: ArrayLike<number>): KindDetection {
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  const samples: number[] = [];
  for (let i = 0; i < data.length; i += stride) if (Number.isFinite(data[i])) samples.push(data[i]);
  if (samples.length === 0) return { kind: undefined, decidedBy: 'data', reason: 'no finite pixel' };
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number) => sorted[Math.round(fraction * (sorted.length - 1))];
  const [low, median, high] = [at(0.01), at(0.5), at(0.99)];
  let negative = 0;
  let positive = 0;
  for (const value of sorted) {
    if (value < 0) negative += 1;
    else if (value > 0) positive += 1;
  }
  const negativeFraction = negative / sorted.length;
  const positiveFraction = positive / sorted.length;
  const figures = `1st/50th/99th percentiles ${[low, median, high].map(format).join(', ')}, ${(100 * negativeFraction).toFixed(0)} % negative`;
  if (negativeFraction >= 0.05 && positiveFraction >= 0.05 && Math.abs(median) <= 0.1 * Math.max(Math.abs(low), Math.abs(high))) {
    return { kind: 'blos', decidedBy: 'data', reason: `signed values roughly symmetric about 0: ${figures}` };
  }
  if (negativeFraction < 0.02 && median > 0 && median >= 0.25 * high) {
    return { kind: 'intensity', decidedBy: 'data', reason: `positive values around a level: ${figures}` };
  }
  return { kind: undefined, decidedBy: 'data', reason: `values neither signed about 0 nor positive around a level: ${figures}` };
}

function seriesIn(text: string): (typeof SERIES)[number] | undefined {
  return SERIES.find((series) => series.pattern.test(text));
}

function format(value: number): string {
  return Number(value.toPrecision(3)).toString();
}
