/** The domain and tick values of a log axis: labelled major ticks and unlabelled minor ones between. */
export interface LogAxis {
  readonly domain: readonly [number, number];
  readonly major: readonly number[];
  readonly minor: readonly number[];
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** m × 10ᵉ, dividing for e < 0 so that 3 × 10⁻¹ is the double nearest 0.3 (3 * 0.1 is not). */
function timesPowerOfTen(m: number, e: number): number {
  return e < 0 ? m / 10 ** -e : m * 10 ** e;
}

/** Every m × 10ᵉ for e from `bottom` to `top` and m in `mantissas`, ascending. */
function multiples(bottom: number, top: number, mantissas: readonly number[]): number[] {
  const values: number[] = [];
  for (let e = bottom; e <= top; e++) for (const m of mantissas) values.push(timesPowerOfTen(m, e));
  return values;
}

/** A tick value m × 10ᵉ (m a whole number) written with superscripts: 10⁻³, 2×10⁻³, 10⁰, 5×10². */
export function logTickLabel(value: number): string {
  const e = Math.floor(Math.log10(value) + 1e-9);
  const m = Math.round(value / timesPowerOfTen(1, e));
  const power = `10${e < 0 ? '⁻' : ''}${[...String(Math.abs(e))].map((d) => SUPERSCRIPT_DIGITS[Number(d)]).join('')}`;
  return m === 1 ? power : `${m}×${power}`;
}

/**
 * A log axis enclosing [low, high] (both > 0). Over two decades or more: whole decades, a labelled tick
 * at every power of ten (every second, third… beyond ten decades) and 2–9 × 10ᵉ as minor ticks up to six
 * decades. Over less, whole decades would leave the data a sliver, so the domain is the 1–2–5 values
 * enclosing the data, all of them labelled, with the other whole multiples as minor ticks.
 */
export function logAxis(low: number, high: number): LogAxis {
  if (!(low > 0) || !(high >= low) || !Number.isFinite(high)) return logAxis(1, 10);
  const bottom = Math.floor(Math.log10(low) + 1e-9);
  const top = Math.ceil(Math.log10(high) - 1e-9);
  if (Math.log10(high / low) >= 2) {
    const step = Math.ceil((top - bottom) / 10);
    const major: number[] = [];
    for (let e = bottom; e <= top; e += step) major.push(timesPowerOfTen(1, e));
    const minor = top - bottom <= 6 ? multiples(bottom, top - 1, [2, 3, 4, 5, 6, 7, 8, 9]) : [];
    return { domain: [timesPowerOfTen(1, bottom), timesPowerOfTen(1, top)], major, minor };
  }
  const oneTwoFive = multiples(bottom, top, [1, 2, 5]);
  const start = oneTwoFive.filter((v) => v <= low * (1 + 1e-9)).pop() as number;
  let end = oneTwoFive.find((v) => v >= high * (1 - 1e-9)) as number;
  if (end === start) end = oneTwoFive[oneTwoFive.indexOf(start) + 1];
  const inside = (v: number) => v >= start && v <= end;
  return { domain: [start, end], major: oneTwoFive.filter(inside), minor: multiples(bottom, top, [3, 4, 6, 7, 8, 9]).filter(inside) };
}
