import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFilesAtomically } from './write-files-atomically.js';

let folder = '';
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('writeFilesAtomically', () => {
  it('writes every file, replacing existing ones, and leaves no temporary file', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(folder, 'a.bin'), 'old');
    await writeFilesAtomically([
      { path: join(folder, 'a.bin'), bytes: new Uint8Array([1, 2]) },
      { path: join(folder, 'b.bin'), bytes: new Uint8Array([3]) },
    ]);
    expect([...readFileSync(join(folder, 'a.bin'))]).toEqual([1, 2]);
    expect(readdirSync(folder).sort()).toEqual(['a.bin', 'b.bin']);
  });

  it('writes nothing when one file cannot be staged', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(folder, 'a.bin'), 'old');
    await expect(
      writeFilesAtomically([
        { path: join(folder, 'a.bin'), bytes: new Uint8Array([1]) },
        { path: join(folder, 'missing-folder', 'b.bin'), bytes: new Uint8Array([2]) },
      ]),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readFileSync(join(folder, 'a.bin'), 'utf8')).toBe('old');
    expect(readdirSync(folder)).toEqual(['a.bin']);
  });
});
