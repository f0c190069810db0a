import { FitsError } from './fits-error.js';

/** A header value: FITS strings, numbers (integer or real), logicals, or an undefined value. */
export type FitsValue = string | number | boolean | null;

/**
 * One header card. Commentary cards (COMMENT, HISTORY, blank keyword, or any card without a value
 * indicator) carry their text as a string `value` and no comment.
 */
export interface FitsCard {
  readonly key: string;
  readonly value: FitsValue;
  readonly comment?: string;
  /**
   * The value field exactly as it was read. Writing reuses it while the value is unchanged, so a
   * header read and written back keeps its number formats (`292.000000` stays a real, not `292`).
   */
  readonly valueText?: string;
  /**
   * True for a card written without a value indicator under a keyword other than COMMENT, HISTORY
   * or blank (e.g. `HIERARCH ...`): its text is kept and written back as it was.
   */
  readonly commentary?: boolean;
}

export const CARD_LENGTH = 80;
export const BLOCK_LENGTH = 2880;

const COMMENTARY_KEYS = new Set(['COMMENT', 'HISTORY', '']);
const KEY_PATTERN = /^[A-Z0-9_-]{0,8}$/;
const INTEGER_PATTERN = /^[+-]?\d+$/;
const REAL_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([ED][+-]?\d+)?$/i;

/** True for keywords that carry free text rather than a value (COMMENT, HISTORY, blank). */
export function isCommentaryKey(key: string): boolean {
  return COMMENTARY_KEYS.has(key);
}

export function normaliseKey(key: string): string {
  return key.trim().toUpperCase();
}

export function assertValidKey(key: string, file?: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new FitsError({
      code: 'FITS_BAD_HEADER',
      file,
      message: `keyword "${key}" is not a FITS keyword (at most 8 characters from A-Z, 0-9, '_', '-')`,
      details: { key },
    });
  }
}

/** True when a number read from a card was written as a real (`1.`, `2.5E3`) rather than an integer. */
export function isRealText(valueText: string | undefined): boolean {
  return valueText !== undefined && !INTEGER_PATTERN.test(valueText.trim()) && REAL_PATTERN.test(valueText.trim());
}

/**
 * Splits an 80-character card image into key, value and comment. A string value that ends in `&`
 * is returned with `continued: true` so the caller can append the following CONTINUE cards.
 */
export function parseCard(image: string): { card: FitsCard; continued: boolean } {
  const key = image.slice(0, 8).trimEnd().toUpperCase();
  const hasValue = image.slice(8, 10) === '= ' && !isCommentaryKey(key);
  if (!hasValue && key !== 'CONTINUE') {
    const text = image.slice(8).trimEnd();
    return { card: isCommentaryKey(key) ? { key, value: text } : { key, value: text, commentary: true }, continued: false };
  }
  const field = image.slice(10);
  const parsed = parseValueField(field);
  if (parsed === undefined) {
    // An unreadable value: keep the card as text so it survives a round trip.
    return { card: { key, value: field.trimEnd(), valueText: field.trimEnd() }, continued: false };
  }
  const { value, valueText, comment } = parsed;
  const continued = typeof value === 'string' && value.endsWith('&');
  const card: FitsCard = comment === undefined ? { key, value, valueText } : { key, value, comment, valueText };
  return { card, continued };
}

function parseValueField(field: string): { value: FitsValue; valueText: string; comment: string | undefined } | undefined {
  const start = field.search(/\S/);
  if (start < 0) return { value: null, valueText: '', comment: undefined };
  if (field[start] === "'") {
    let text = '';
    let i = start + 1;
    for (;;) {
      if (i >= field.length) return undefined;
      if (field[i] === "'") {
        if (field[i + 1] === "'") {
          text += "'";
          i += 2;
          continue;
        }
        break;
      }
      text += field[i];
      i += 1;
    }
    const rest = field.slice(i + 1);
    return { value: text.trimEnd(), valueText: field.slice(start, i + 1), comment: commentOf(rest) };
  }
  const slash = field.indexOf('/');
  const valueText = (slash < 0 ? field : field.slice(0, slash)).trim();
  const comment = slash < 0 ? undefined : field.slice(slash + 1).trim();
  if (valueText === '') return { value: null, valueText, comment };
  if (valueText === 'T' || valueText === 'F') return { value: valueText === 'T', valueText, comment };
  if (INTEGER_PATTERN.test(valueText) || REAL_PATTERN.test(valueText)) {
    return { value: Number(valueText.replace(/d/i, 'E')), valueText, comment };
  }
  // Not FITS, but JSOC writes them for undefined statistics (e.g. `CRDER1  = nan`).
  const nonFinite = /^([+-]?)(nan|inf|infinity)$/i.exec(valueText);
  if (nonFinite) {
    const value = nonFinite[2].toLowerCase() === 'nan' ? NaN : nonFinite[1] === '-' ? -Infinity : Infinity;
    return { value, valueText, comment };
  }
  // Complex values and other forms stay as their text.
  return { value: valueText, valueText, comment };
}

function commentOf(rest: string): string | undefined {
  const slash = rest.indexOf('/');
  return slash < 0 ? undefined : rest.slice(slash + 1).trim();
}

/** Formats a number for a value field: integers as integers unless the card held a real. */
export function formatNumber(value: number, asReal: boolean): string {
  if (!Number.isFinite(value)) {
    throw new FitsError({
      code: 'FITS_BAD_HEADER',
      message: `header value ${value} is not a finite number: FITS headers cannot hold it`,
      details: { value },
    });
  }
  if (Number.isInteger(value) && !asReal && Math.abs(value) < 1e21) return value.toFixed(0);
  let text = String(value).toUpperCase();
  if (!text.includes('.') && !text.includes('E')) text += '.0';
  else if (!text.includes('.')) text = text.replace('E', '.0E');
  return text;
}

function quote(text: string): string {
  return `'${printableAscii(text).replace(/'/g, "''").padEnd(8, ' ')}'`;
}

const ASCII_STAND_INS: Readonly<Record<string, string>> = {
  '×': 'x',
  '−': '-',
  '–': '-',
  '—': '-',
  '…': '...',
  '°': 'deg',
  µ: 'u',
  Å: 'A',
};

/**
 * Header text may only hold printable ASCII: common symbols get a stand-in, accents are dropped
 * (é → e), anything else becomes '?'.
 */
export function printableAscii(text: string): string {
  return Array.from(text, (character) => {
    if (/^[\x20-\x7e]$/.test(character)) return character;
    const standIn = ASCII_STAND_INS[character];
    if (standIn !== undefined) return standIn;
    const stripped = character.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    return /^[\x20-\x7e]+$/.test(stripped) ? stripped : '?';
  }).join('');
}

/** Formats a card as one or more 80-character card images (long strings use CONTINUE cards). */
export function formatCard(card: FitsCard): string[] {
  const key = card.key.padEnd(8, ' ');
  if (isCommentaryKey(card.key) || card.commentary) {
    const text = String(card.value ?? '');
    const images: string[] = [];
    for (let i = 0; i === 0 || i < text.length; i += 72) images.push((key + text.slice(i, i + 72)).padEnd(80, ' '));
    return images;
  }
  const valueText = fitsValueText(card);
  if (typeof card.value === 'string' && valueText.length > 70) return formatLongString(card);
  const padded = valueText.startsWith("'") ? valueText : valueText.padStart(20, ' ');
  let image = `${key}= ${padded}`;
  if (card.comment !== undefined && card.comment !== '') image += ` / ${card.comment}`;
  return [image.slice(0, 80).padEnd(80, ' ')];
}

/**
 * The value field to write. Values read from a file keep their text, except where that text is not
 * FITS: lower-case exponents are upper-cased, and non-finite numbers (which FITS cannot hold)
 * become an undefined value.
 */
function fitsValueText(card: FitsCard): string {
  if (typeof card.value === 'number' && !Number.isFinite(card.value)) return '';
  if (card.valueText === undefined) return formatValue(card.value);
  if (typeof card.value === 'number') return card.valueText.toUpperCase();
  return card.valueText;
}

function formatValue(value: FitsValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (typeof value === 'number') return formatNumber(value, false);
  return quote(value);
}

function formatLongString(card: FitsCard): string[] {
  const text = printableAscii(String(card.value));
  const chunks: string[] = [];
  let current = '';
  for (const character of text) {
    const escapedLength = current.replace(/'/g, "''").length + (character === "'" ? 2 : 1);
    if (escapedLength > 66) {
      chunks.push(current);
      current = '';
    }
    current += character;
  }
  chunks.push(current);
  return chunks.map((chunk, index) => {
    const last = index === chunks.length - 1;
    const quoted = `'${chunk.replace(/'/g, "''")}${last ? '' : '&'}'`;
    const head = index === 0 ? `${card.key.padEnd(8, ' ')}= ` : 'CONTINUE  ';
    let image = head + quoted;
    if (last && card.comment) image += ` / ${card.comment}`;
    return image.slice(0, 80).padEnd(80, ' ');
  });
}
