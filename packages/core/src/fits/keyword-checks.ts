import type { FitsCard } from './fits-card.js';
import { FitsError, type FitsErrorCode } from './fits-error.js';
import type { FitsHeader } from './fits-header.js';

/** The header being checked and how messages name its HDU, e.g. `HDU 1 (COMPRESSED_IMAGE)`. */
export interface KeywordContext {
  readonly header: FitsHeader;
  readonly hdu: number;
  readonly where: string;
  readonly file: string | undefined;
}

/**
 * How messages name an HDU: its index and its EXTNAME, or `fallback` (e.g. 'tile-compressed image')
 * when it has none.
 */
export function hduName(index: number, header: FitsHeader, fallback?: string): string {
  const extname = header.getString('EXTNAME')?.trim();
  const label = extname || fallback;
  return label ? `HDU ${index} (${label})` : `HDU ${index}`;
}

/** A card's value as it is written in the file (`1.5`, `nan`, `'wide'`, `T`), for messages. */
function writtenValue(card: FitsCard): string {
  if (typeof card.value === 'string') return `'${card.value.trim()}'`;
  const text = card.valueText?.trim();
  if (text) return text;
  if (typeof card.value === 'boolean') return card.value ? 'T' : 'F';
  return card.value === null ? '(no value)' : String(card.value);
}

/**
 * The error for a card that breaks a rule: `HDU 1 (COMPRESSED_IMAGE): ZTILE2 = -1 must be a positive
 * integer`, or `... ZNAXIS1 is missing; it must be a positive integer` when the card is absent.
 */
export function keywordError(
  context: KeywordContext,
  key: string,
  requirement: string,
  code: FitsErrorCode = 'FITS_BAD_HEADER',
): FitsError {
  const card = context.header.getCard(key);
  const stated = card === undefined ? `${key} is missing; it must be` : `${key} = ${writtenValue(card)} must be`;
  return new FitsError({
    code,
    file: context.file,
    message: `${context.where}: ${stated} ${requirement}`,
    details: { hdu: context.hdu, key, value: card?.value ?? null },
  });
}

export interface IntegerRule {
  readonly min?: number;
  readonly max?: number;
  /** The value when the card is absent; without one an absent card is an error. */
  readonly fallback?: number;
  /** Replaces the generated wording, e.g. '1 in an IMAGE extension'. */
  readonly requirement?: string;
}

function integerRequirement({ min = -Infinity, max = Infinity }: IntegerRule): string {
  if (min === max) return String(min);
  if (min === 1 && max === Infinity) return 'a positive integer';
  if (min === 0 && max === Infinity) return 'a non-negative integer';
  if (min === -Infinity && max === Infinity) return 'an integer';
  if (max === Infinity) return `an integer of at least ${min}`;
  return `an integer from ${min} to ${max}`;
}

/** The card's value as an integer within the rule's range; integral reals (`52.`) are accepted. */
export function integerKeyword(context: KeywordContext, key: string, rule: IntegerRule = {}): number {
  const value = context.header.get(key);
  if (value === undefined && rule.fallback !== undefined) return rule.fallback;
  const { min = -Infinity, max = Infinity } = rule;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw keywordError(context, key, rule.requirement ?? integerRequirement(rule));
  }
  return value;
}

/** The card's value when it is present, which must then be a finite number (BSCALE, BZERO, ZSCALE). */
export function finiteKeyword(context: KeywordContext, key: string): number | undefined {
  const value = context.header.get(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw keywordError(context, key, 'a finite number');
  return value;
}

/** The card's value when it is present, which must then be an integer (BLANK, ZBLANK). */
export function optionalIntegerKeyword(context: KeywordContext, key: string): number | undefined {
  return context.header.get(key) === undefined ? undefined : integerKeyword(context, key);
}
