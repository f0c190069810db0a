import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listHdus, readFits, superResolvedHeader, writeFits } from '@enhance/core';
import { linearPixelToWorld } from '@enhance/test-support';

// Every real FITS file in ../shared must decode to the statistics astropy measured.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedData = path.resolve(repoRoot, '../shared/data');
const referencePath = path.join(sharedData, 'FITS_REFERENCE.json');

interface ReferenceEntry {
  hdu: number;
  compressed: boolean;
  shape: [number, number];
  nan: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Keys are "row,column" as in numpy: "y,x", 0-based. null marks NaN. */
  pixels: Record<string, number | null>;
  header: Record<string, string | number | boolean>;
}

const reference: Record<string, ReferenceEntry> = existsSync(referencePath) ? JSON.parse(readFileSync(referencePath, 'utf8')) : {};

function statistics(data: Float64Array) {
  let count = 0;
  let nan = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of data) {
    if (Number.isNaN(value)) {
      nan += 1;
      continue;
    }
    count += 1;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const mean = sum / count;
  let squares = 0;
  for (const value of data) if (!Number.isNaN(value)) squares += (value - mean) ** 2;
  return { nan, mean, std: Math.sqrt(squares / count), min, max };
}

function expectClose(actual: number, expected: number, relative: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

const FITSVERIFY = '/usr/bin/fitsverify';
const scratch = mkdtempSync(path.join(tmpdir(), 'enhance-fits-shared-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!existsSync(referencePath))('FITS files in ../shared decode as astropy decodes them', () => {
  const names = Object.keys(reference).filter((name) => name.startsWith('hmi/') || name.startsWith('train/'));

  it('covers every FITS file of data/hmi and data/train', () => {
    expect(names.length).toBeGreaterThanOrEqual(14);
  });

  for (const name of names) {
    it(name, () => {
      const expected = reference[name];
      const bytes = new Uint8Array(readFileSync(path.join(sharedData, name)));
      const image = readFits(bytes, { file: name, precision: 'float64' });
      expect(image.hdu).toBe(expected.hdu);
      expect([image.height, image.width]).toEqual(expected.shape);
      expect(listHdus(bytes)[image.hdu].compression !== undefined).toBe(expected.compressed);

      const stats = statistics(image.data);
      expect(stats.nan).toBe(expected.nan);
      expectClose(stats.mean, expected.mean, 1e-9);
      expectClose(stats.std, expected.std, 1e-7);
      expect(stats.min).toBe(expected.min);
      expect(stats.max).toBe(expected.max);
      for (const [key, value] of Object.entries(expected.pixels)) {
        const [y, x] = key.split(',').map(Number);
        const actual = image.data[y * image.width + x];
        if (value === null) expect(actual).toBeNaN();
        else expect(actual).toBe(value);
      }
      for (const [key, value] of Object.entries(expected.header)) {
        if (key === 'BITPIX') continue; // astropy reports the decoded dtype; ours is the stored one.
        expect(image.header.get(key)).toEqual(value);
      }

      const single = readFits(bytes, { file: name });
      const rounded = Float32Array.from(image.data);
      let mismatches = 0;
      for (let i = 0; i < rounded.length; i += 1) if (!Object.is(single.data[i], rounded[i])) mismatches += 1;
      expect(mismatches).toBe(0);

      // Written back out (float64), the file is valid FITS and holds the same pixels and header.
      const written = writeFits(image, { bitpix: -64 });
      const again = readFits(written, { precision: 'float64' });
      let changed = 0;
      for (let i = 0; i < again.data.length; i += 1) if (!Object.is(again.data[i], image.data[i])) changed += 1;
      expect(changed).toBe(0);
      expect(again.header.get('CRPIX1')).toEqual(image.header.get('CRPIX1'));
      if (existsSync(FITSVERIFY)) {
        const out = path.join(scratch, path.basename(name));
        writeFileSync(out, written);
        // fitsverify exits with the number of errors plus warnings.
        expect(execFileSync(FITSVERIFY, ['-q', out], { encoding: 'utf8' })).toContain('verification OK');
      }

      // A ×2 image (nearest-neighbour here) with the super-resolved header: same sky, still valid FITS.
      const fineHeader = superResolvedHeader(image.header, 2, ['Enhance x2 test']);
      const fine = new Float32Array(4 * image.width * image.height);
      for (let y = 0; y < 2 * image.height; y += 1)
        for (let x = 0; x < 2 * image.width; x += 1) fine[y * 2 * image.width + x] = image.data[(y >> 1) * image.width + (x >> 1)];
      const fineBytes = writeFits({ data: fine, width: 2 * image.width, height: 2 * image.height, header: fineHeader });
      const fineBack = readFits(fineBytes);
      expect([fineBack.width, fineBack.height]).toEqual([2 * image.width, 2 * image.height]);
      if (image.header.has('CRPIX1')) {
        const before = linearPixelToWorld(image.header, 1, image.height);
        const after = linearPixelToWorld(fineBack.header, 1.5, 2 * image.height - 0.5);
        expect(after[0]).toBeCloseTo(before[0], 9);
        expect(after[1]).toBeCloseTo(before[1], 9);
      }
      if (existsSync(FITSVERIFY)) {
        const out = path.join(scratch, `x2-${path.basename(name)}`);
        writeFileSync(out, fineBytes);
        expect(execFileSync(FITSVERIFY, ['-q', out], { encoding: 'utf8' })).toContain('verification OK');
      }
    });
  }
});
