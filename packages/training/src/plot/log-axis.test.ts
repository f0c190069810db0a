import { describe, expect, it } from 'vitest';
import { logAxis, logTickLabel } from './log-axis.js';

describe('logAxis', () => {
  it.each([
    {
      name: 'two decades exactly',
      low: 1,
      high: 100,
      domain: [1, 100],
      major: [1, 10, 100],
      minor: [2, 3, 4, 5, 6, 7, 8, 9, 20, 30, 40, 50, 60, 70, 80, 90],
    },
    { name: 'wide, rounded out to decades', low: 3e-7, high: 0.004, domain: [1e-7, 0.01], major: [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2] },
    {
      name: 'narrow, 1–2–5 enclosing the data',
      low: 0.0017,
      high: 0.0033,
      domain: [0.001, 0.005],
      major: [0.001, 0.002, 0.005],
      minor: [0.003, 0.004],
    },
    {
      name: 'narrow across a decade',
      low: 0.3,
      high: 4,
      domain: [0.2, 5],
      major: [0.2, 0.5, 1, 2, 5],
      minor: [0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 3, 4],
    },
    { name: 'one value on a 1–2–5 step', low: 10, high: 10, domain: [10, 20], major: [10, 20], minor: [] },
    { name: 'no positive data', low: Number.NaN, high: Number.NaN, domain: [1, 10], major: [1, 2, 5, 10], minor: [3, 4, 6, 7, 8, 9] },
  ])('$name', ({ low, high, domain, major, minor }) => {
    const axis = logAxis(low, high);
    expect(axis.domain).toEqual(domain);
    expect(axis.major).toEqual(major);
    if (minor) expect(axis.minor).toEqual(minor);
  });

  it('ticks every second decade beyond ten, without minor ticks', () => {
    const axis = logAxis(1e-12, 1e8);
    expect(axis.major).toEqual([1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6, 1e8]);
    expect(axis.minor).toEqual([]);
  });
});

describe('logTickLabel', () => {
  it.each([
    [1e-12, '10⁻¹²'],
    [0.001, '10⁻³'],
    [0.002, '2×10⁻³'],
    [1, '10⁰'],
    [10, '10¹'],
    [500, '5×10²'],
    [1e25, '10²⁵'],
  ])('%s is %s', (value, label) => {
    expect(logTickLabel(value)).toBe(label);
  });
});
