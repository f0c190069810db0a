import { describe, expect, it } from 'vitest';
import { card, errorOf, fitsjsHeader, quoted } from '@enhance/test-support';
import { FitsHeader } from './fits-header.js';

const sample = [
  card('SIMPLE', true, 'conforms'),
  card('BITPIX', -32),
  card('NAXIS', 2),
  card('NAXIS1', 583),
  card('NAXIS2', 250),
  card('OBSERVER', quoted("O'Hara"), 'has a quote'),
  card('PATH', quoted('a/b / c'), 'slashes inside the string'),
  card('CRPIX1', '292.000000'),
  card('EXPTIME', '1.5D3', 'Fortran exponent'),
  card('UNDEF', '', 'no value'),
  card('FLAG', false),
  card('COMMENT', undefined).replace(/^COMMENT {41}/, 'COMMENT   first comment'.padEnd(48, ' ')),
  card('HISTORY  made by hand'),
  card('CDELT1', '0.03'),
].join('');

describe('FitsHeader.parse', () => {
  const header = FitsHeader.parse(sample);

  it('reads every kind of value', () => {
    expect(header.get('SIMPLE')).toBe(true);
    expect(header.get('BITPIX')).toBe(-32);
    expect(header.get('OBSERVER')).toBe("O'Hara");
    expect(header.get('PATH')).toBe('a/b / c');
    expect(header.getComment('PATH')).toBe('slashes inside the string');
    expect(header.get('CRPIX1')).toBe(292);
    expect(header.get('EXPTIME')).toBe(1500);
    expect(header.get('UNDEF')).toBeNull();
    expect(header.getComment('UNDEF')).toBe('no value');
    expect(header.get('FLAG')).toBe(false);
    expect(header.get('missing')).toBeUndefined();
  });

  it('is case-insensitive and keeps commentary cards apart from values', () => {
    expect(header.get('naxis1')).toBe(583);
    expect(header.has('cdelt1')).toBe(true);
    expect(header.has('COMMENT')).toBe(false);
    expect(header.comments()).toEqual(['  first comment']);
    expect(header.history()).toEqual([' made by hand']);
  });

  it('joins long strings continued with CONTINUE cards', () => {
    const text = [card('LONGSTR', "'first part &'", 'c1'), card('CONTINUE', undefined).slice(0, 10) + "'second part'".padEnd(70, ' ')].join(
      '',
    );
    const parsed = FitsHeader.parse(text);
    expect(parsed.get('LONGSTR')).toBe('first part second part');
    expect(parsed.cards).toHaveLength(1);
  });

  it('keeps cards without a value indicator as text, written back unchanged', () => {
    const hierarch = "HIERARCH ESO DET CHIP NAME = 'CCD-1' / chip".padEnd(80, ' ');
    const orphan = "CONTINUE  'dangling'".padEnd(80, ' ');
    const parsed = FitsHeader.parse(card('A', 1) + hierarch + orphan);
    expect(parsed.has('HIERARCH')).toBe(false);
    expect(parsed.keys()).toEqual(['A']);
    expect(parsed.toText().slice(80, 240)).toBe(hierarch + orphan);
  });

  it('stops at END', () => {
    const parsed = FitsHeader.parse(card('A', 1) + card('END') + card('B', 2));
    expect(parsed.has('B')).toBe(false);
  });
});

describe('FitsHeader transforms', () => {
  const header = FitsHeader.parse(sample);

  it('never mutate the header they start from', () => {
    const changed = header.with('NAXIS1', 1166).without('CDELT1').withHistory('doubled');
    expect(header.get('NAXIS1')).toBe(583);
    expect(header.has('CDELT1')).toBe(true);
    expect(header.history()).toEqual([' made by hand']);
    expect(changed.get('NAXIS1')).toBe(1166);
    expect(changed.has('CDELT1')).toBe(false);
    expect(changed.history()).toEqual([' made by hand', 'doubled']);
    expect(Object.isFrozen(header.cards)).toBe(true);
  });

  it('replace a value in place, keeping its comment, and append new keys at the end', () => {
    const changed = header.with('OBSERVER', 'Someone').with('NEWKEY', 3.25, 'added');
    const keys = changed.cards.map((c) => c.key);
    expect(keys.indexOf('OBSERVER')).toBe(header.cards.map((c) => c.key).indexOf('OBSERVER'));
    expect(changed.getComment('OBSERVER')).toBe('has a quote');
    expect(keys[keys.length - 1]).toBe('NEWKEY');
    expect(changed.getComment('NEWKEY')).toBe('added');
  });

  it('keep a real written as a real when its new value is whole', () => {
    const text = header.with('CRPIX1', 584).with('NAXIS1', 1166).toText();
    expect(text).toContain(`CRPIX1  = ${'584.0'.padStart(20, ' ')}`);
    expect(text).toContain(`NAXIS1  = ${'1166'.padStart(20, ' ')}`);
  });

  it('remove every card of a key', () => {
    const doubled = new FitsHeader([...header.cards, { key: 'CDELT1', value: 9 }]);
    expect(doubled.without('cdelt1').has('CDELT1')).toBe(false);
  });

  it('split a word longer than a card over several 72-character cards', () => {
    const text = 'x'.repeat(150);
    expect(header.withHistory(text).history().slice(1).join('')).toBe(text);
    expect(header.withHistory(text).history()).toHaveLength(4);
  });

  it('wrap long HISTORY text at spaces, every card as full as it can be, and read back whole', () => {
    const text =
      'Enhance intensity network 5x64 (trained by @enhance/training: 1575 Adam steps of batch 32, ' +
      'best validation weights); model enhance-intensity.onnx, SHA-256 ' +
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, device cpu';
    const back = FitsHeader.parse(new FitsHeader().withHistory(text).toText()).history();
    expect(back.length).toBeGreaterThan(2);
    // Joined with single spaces they are the text: every break was at a space, no word was cut.
    expect(back.join(' ')).toBe(text);
    back.forEach((line, n) => {
      expect(line.length).toBeLessThanOrEqual(72);
      // Greedy: the next card's first word would not have fitted.
      if (n + 1 < back.length) expect(`${line} ${back[n + 1].split(' ')[0]}`.length).toBeGreaterThan(72);
    });
  });

  it('split only a word longer than a card', () => {
    expect(new FitsHeader().withHistory(`see ${'y'.repeat(100)} end`).history()).toEqual(['see', 'y'.repeat(72), `${'y'.repeat(28)} end`]);
  });

  it('write text as printable ASCII, with stand-ins for common symbols', () => {
    const changed = header.withHistory('Enhance ×2 — café, 6173 Å, 0.5″').with('NOTE', 'µ±');
    expect(changed.history()[1]).toBe('Enhance x2 - cafe, 6173 A, 0.5?');
    expect(FitsHeader.parse(changed.toText()).get('NOTE')).toBe('u?');
  });

  it('reject keys FITS cannot hold, non-finite numbers and values on commentary keys', () => {
    expect(errorOf(() => header.with('TOOLONGKEY', 1)).code).toBe('FITS_BAD_HEADER');
    expect(errorOf(() => header.with('BAD KEY', 1)).code).toBe('FITS_BAD_HEADER');
    expect(errorOf(() => header.with('CDELT1', Number.NaN)).code).toBe('FITS_BAD_HEADER');
    expect(errorOf(() => header.with('HISTORY', 'x')).code).toBe('FITS_BAD_HEADER');
  });
});

describe('FitsHeader.toText', () => {
  const header = FitsHeader.parse(sample)
    .with('LONGNAME', `a long value with 'quotes' ${'y'.repeat(120)}`, 'continued')
    .with('TINY', 1.25e-12)
    .with('HUGE', -6.02e23);
  const text = header.toText();

  it('fills whole 2880-byte blocks of printable 80-character cards and ends with END', () => {
    expect(text.length % 2880).toBe(0);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    const images = text.match(/.{80}/g) ?? [];
    expect(images.some((image) => image === 'END'.padEnd(80, ' '))).toBe(true);
    expect(images.filter((image) => image.startsWith('CONTINUE')).length).toBeGreaterThanOrEqual(2);
  });

  it('reads back to the same cards', () => {
    const again = FitsHeader.parse(text);
    expect(again.cards.map(({ key, value }) => ({ key, value }))).toEqual(header.cards.map(({ key, value }) => ({ key, value })));
    expect(again.getComment('LONGNAME')).toBe('continued');
  });

  it('is read the same by fitsjs', () => {
    const other = fitsjsHeader(text);
    expect(other.get('NAXIS1')).toBe(583);
    expect(other.get('BITPIX')).toBe(-32);
    expect(other.get('CRPIX1')).toBe(292);
    expect(other.get('CDELT1')).toBe(0.03);
    expect(other.get('TINY')).toBe(1.25e-12);
    expect(other.get('HUGE')).toBe(-6.02e23);
    expect(other.get('SIMPLE')).toBe(true);
    expect(other.get('FLAG')).toBe('F'); // fitsjs leaves logicals other than SIMPLE as text
  });
});
