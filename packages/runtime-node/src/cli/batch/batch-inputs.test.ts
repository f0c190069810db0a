import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandInputs, outputNameFor } from './batch-inputs.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'enhance-inputs-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const touch = (...parts: string[]) => {
  const path = join(folder, ...parts);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  return path;
};

describe('batch inputs', () => {
  it('names outputs <name without the FITS extension>.enhanced.fits', () => {
    expect(outputNameFor('/d/hmi.Ic_45s.20140101_000000_TAI.2.continuum.fits')).toBe(
      'hmi.Ic_45s.20140101_000000_TAI.2.continuum.enhanced.fits',
    );
    expect(outputNameFor('a.FITS')).toBe('a.enhanced.fits');
    expect(outputNameFor('a.fits.fz')).toBe('a.enhanced.fits');
    expect(outputNameFor('a.fts')).toBe('a.enhanced.fits');
    expect(outputNameFor('a.dat')).toBe('a.dat.enhanced.fits');
  });

  it('expands folders (FITS files directly in them, sorted), lists (relative to the list) and files; a path named twice counts once', async () => {
    const b = touch('in', 'b.fits');
    const a = touch('in', 'a.fits');
    touch('in', '.hidden.fits');
    touch('in', 'notes.txt');
    touch('in', 'a-old.enhanced.fits');
    touch('in', 'deeper', 'c.fits');
    const d = touch('lists', 'd.fts');
    writeFileSync(join(folder, 'lists', 'list.txt'), '# listed\n\nd.fts\n../in/a.fits\n');
    const missing = join(folder, 'missing.fits');
    const inputs = await expandInputs(['in', '@lists/list.txt', 'in/b.fits', 'missing.fits'], folder);
    expect(inputs.map((input) => input.path)).toEqual([a, b, d, missing]);
    expect(inputs.map((input) => input.outputName)).toEqual([
      'a.enhanced.fits',
      'b.enhanced.fits',
      'd.enhanced.fits',
      'missing.enhanced.fits',
    ]);
  });

  it('refuses inputs whose outputs would have the same name, and a list that is not there', async () => {
    touch('one', 'sun.fits');
    touch('two', 'sun.fits');
    touch('two', 'moon.fits');
    touch('two', 'moon.fts');
    await expect(expandInputs(['one', 'two'], folder)).rejects.toThrow(
      /moon\.fits and .*moon\.fts would both be written to moon\.enhanced\.fits; .*one\/sun\.fits and .*two\/sun\.fits would both be written to sun\.enhanced\.fits/,
    );
    await expect(expandInputs(['@nope.txt'], folder)).rejects.toThrow(/nope\.txt: no such list file/);
    mkdirSync(join(folder, 'empty'));
    await expect(expandInputs(['empty'], folder)).rejects.toThrow(/no FITS files in empty/);
  });
});
