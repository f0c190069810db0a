import { describe, expect, it } from 'vitest';
import { FitsHeader } from '@enhance/core';
import { defaultScaleForHeader } from './default-scale-for-header.js';

const header = (cards: Record<string, string>) => Object.entries(cards).reduce((h, [key, value]) => h.with(key, value), new FitsHeader());

describe('defaultScaleForHeader', () => {
  it('does not divide a magnetogram already in kG', () => {
    expect(defaultScaleForHeader(header({ BUNIT: 'kG' }), 'blos')).toBe(1);
    expect(defaultScaleForHeader(header({ BUNIT: 'Gauss' }), 'blos')).toBe('auto');
    expect(defaultScaleForHeader(header({ BUNIT: 'DN/s' }), 'intensity')).toBe('auto');
  });
});
