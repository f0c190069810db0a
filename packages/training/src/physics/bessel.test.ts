import { describe, expect, it } from 'vitest';
import { besselJ0, besselJ1 } from './bessel.js';

// Abramowitz & Stegun, table 9.1 and §9.5 (zeros), to 10 digits.
const TABLE: { x: number; j0: number; j1: number }[] = [
  { x: 0.5, j0: 0.9384698072, j1: 0.2422684577 },
  { x: 1, j0: 0.7651976866, j1: 0.4400505857 },
  { x: 2, j0: 0.2238907791, j1: 0.5767248078 },
  { x: 5, j0: -0.1775967713, j1: -0.3275791376 },
  { x: 10, j0: -0.2459357645, j1: 0.0434727462 },
  { x: 20, j0: 0.1670246643, j1: 0.0668331242 },
  { x: 30, j0: -0.0863679836, j1: -0.1187510626 },
  { x: 50, j0: 0.0558123277, j1: -0.0975118281 },
  { x: 100, j0: 0.0199858503, j1: -0.077145352 },
];

describe('Bessel functions', () => {
  it.each(TABLE)('J0 and J1 at x = $x match the tables', ({ x, j0, j1 }) => {
    expect(besselJ0(x)).toBeCloseTo(j0, 9);
    expect(besselJ1(x)).toBeCloseTo(j1, 9);
  });

  it('has the tabulated zeros of J1 and is odd', () => {
    for (const zero of [3.8317059702, 7.0155866698, 10.1734681351, 22.7600843806]) {
      expect(Math.abs(besselJ1(zero))).toBeLessThan(1e-9);
    }
    expect(besselJ1(-2)).toBe(-besselJ1(2));
    expect(besselJ0(-2)).toBe(besselJ0(2));
  });

  it('is continuous across the switch from series to asymptotic expansion', () => {
    // J1'(x) = J0(x) − J1(x)/x.
    const step = 1e-7;
    expect(besselJ1(20 - step)).toBeCloseTo(besselJ1(20) - step * (besselJ0(20) - besselJ1(20) / 20), 9);
  });
});
