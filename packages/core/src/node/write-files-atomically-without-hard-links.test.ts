import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFilesAtomically } from './write-files-atomically.js';

// What link() answers on FAT/exFAT and some network shares.
vi.mock('node:fs/promises', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:fs/promises')>()),
  link: async () => {
    throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
  },
}));

let folder = '';
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('writeFilesAtomically on a file system without hard links', () => {
  it('still writes the set, and leaves no temporary file', async () => {
    folder = mkdtempSync(join(tmpdir(), 'no-links-'));
    await writeFilesAtomically([
      { path: join(folder, 'a.fits'), bytes: new Uint8Array([1, 2]) },
      { path: join(folder, 'a.png'), bytes: 'png' },
    ]);
    expect(readdirSync(folder).sort()).toEqual(['a.fits', 'a.png']);
    expect([...readFileSync(join(folder, 'a.fits'))]).toEqual([1, 2]);
  });

  it('still never replaces an existing file, and takes back the others of the set', async () => {
    folder = mkdtempSync(join(tmpdir(), 'no-links-'));
    writeFileSync(join(folder, 'a.png'), 'theirs');
    await expect(
      writeFilesAtomically([
        { path: join(folder, 'a.fits'), bytes: new Uint8Array([1]) },
        { path: join(folder, 'a.png'), bytes: 'ours' },
      ]),
    ).rejects.toMatchObject({ code: 'CLI_OUTPUT_EXISTS', file: join(folder, 'a.png') });
    expect(readdirSync(folder)).toEqual(['a.png']);
    expect(readFileSync(join(folder, 'a.png'), 'utf8')).toBe('theirs');
  });

  it('lets exactly one of several concurrent writers win', async () => {
    folder = mkdtempSync(join(tmpdir(), 'no-links-'));
    const path = join(folder, 'model.onnx');
    const payloads = [1, 2, 3].map((n) => new Uint8Array(1 << 20).fill(n));
    const outcomes = await Promise.allSettled(payloads.map((bytes) => writeFilesAtomically([{ path, bytes }])));
    const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    expect(readFileSync(path).equals(Buffer.from(payloads[winners[0]]))).toBe(true);
    expect(readdirSync(folder)).toEqual(['model.onnx']);
  });
});
