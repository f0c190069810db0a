import { describe, expect, it } from 'vitest';
import { FitsHeader } from '@enhance/core';
import { defaultScaleForHeader, inferKindFromHeader } from './infer-kind.js';

const header = (cards: Record<string, string>) => Object.entries(cards).reduce((h, [key, value]) => h.with(key, value), new FitsHeader());

describe('inferKindFromHeader', () => {
  it.each([
    [{ BUNIT: 'Gauss' }, 'blos'],
    [{ BUNIT: 'G' }, 'blos'],
    [{ BUNIT: 'Mx/cm^2' }, 'blos'],
    [{ CONTENT: 'MAGNETOGRAM' }, 'blos'],
    [{ BUNIT: 'DN/s' }, 'intensity'],
    [{ BUNIT: 'counts' }, 'intensity'],
    [{ BUNIT: 'erg/s/cm^2/sr' }, 'intensity'],
    [{ CONTENT: 'CONTINUUM INTENSITY' }, 'intensity'],
    [{ BUNIT: 'km/s' }, undefined],
    [{}, undefined],
  ] as const)('%o → %s', (cards, kind) => {
    expect(inferKindFromHeader(header(cards))).toBe(kind);
  });
});

describe('defaultScaleForHeader', () => {
  it('does not divide a magnetogram already in kG', () => {
    expect(defaultScaleForHeader(header({ BUNIT: 'kG' }), 'blos')).toBe(1);
    expect(defaultScaleForHeader(header({ BUNIT: 'Gauss' }), 'blos')).toBe('auto');
    expect(defaultScaleForHeader(header({ BUNIT: 'DN/s' }), 'intensity')).toBe('auto');
  });
});
