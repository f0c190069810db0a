import type { Dim } from './operand.js';

/** coefficient·symbol + offset; a plain number has coefficient 0 and no symbol. */
export interface AffineDim {
  coefficient: number;
  symbol: string | undefined;
  offset: number;
}

const AFFINE_PATTERN = /^(?:(-?\d+)\*)?([A-Za-z_][A-Za-z0-9_.]*)(?:([+-])(\d+))?$/;

/** The affine form of a dim, or undefined for a symbol that is not affine in one name. */
export function toAffine(dim: Dim): AffineDim | undefined {
  if (typeof dim === 'number') return { coefficient: 0, symbol: undefined, offset: dim };
  const match = AFFINE_PATTERN.exec(dim);
  if (!match) return undefined;
  const [, coefficient, symbol, sign, offset] = match;
  return {
    coefficient: coefficient === undefined ? 1 : Number(coefficient),
    symbol,
    offset: offset === undefined ? 0 : sign === '-' ? -Number(offset) : Number(offset),
  };
}

function fromAffine({ coefficient, symbol, offset }: AffineDim): Dim {
  if (coefficient === 0 || symbol === undefined) return offset;
  const head = coefficient === 1 ? symbol : `${coefficient}*${symbol}`;
  if (offset === 0) return head;
  return offset > 0 ? `${head}+${offset}` : `${head}${offset}`;
}

/** a + b, or undefined when the sum is not affine in a single symbol. */
export function addDims(a: Dim, b: Dim): Dim | undefined {
  const x = toAffine(a);
  const y = toAffine(b);
  if (!x || !y) return undefined;
  if (x.symbol !== undefined && y.symbol !== undefined && x.symbol !== y.symbol) return undefined;
  return fromAffine({
    coefficient: x.coefficient + y.coefficient,
    symbol: x.symbol ?? y.symbol,
    offset: x.offset + y.offset,
  });
}

export function subtractDims(a: Dim, b: Dim): Dim | undefined {
  const negated = scaleDim(b, -1);
  return negated === undefined ? undefined : addDims(a, negated);
}

/** k·a for an integer k. */
export function scaleDim(a: Dim, k: number): Dim | undefined {
  if (typeof a === 'number') return a * k;
  const x = toAffine(a);
  if (!x || !Number.isInteger(k)) return undefined;
  return fromAffine({ coefficient: x.coefficient * k, symbol: x.symbol, offset: x.offset * k });
}

/** floor(a / k) for a positive integer k, when it stays affine (k divides the coefficient). */
export function floorDivideDim(a: Dim, k: number): Dim | undefined {
  if (typeof a === 'number') return Math.floor(a / k);
  const x = toAffine(a);
  if (!x || x.coefficient % k !== 0) return undefined;
  return fromAffine({ coefficient: x.coefficient / k, symbol: x.symbol, offset: Math.floor(x.offset / k) });
}

/** True when two dims are certainly equal (same number, or the same normalised expression). */
export function sameDim(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  const x = toAffine(a);
  const y = toAffine(b);
  if (!x || !y) return a === b;
  return x.coefficient === y.coefficient && x.symbol === y.symbol && x.offset === y.offset;
}

/** Canonical spelling of a dim ('1*H+0' → 'H'). */
export function normaliseDim(dim: Dim): Dim {
  const x = toAffine(dim);
  return x ? fromAffine(x) : dim;
}
