import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomically, writeFilesAtomically } from './write-files-atomically.js';

let folder = '';
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('writeFilesAtomically', () => {
  it('with overwrite, writes every file, replacing existing ones, and leaves no temporary file', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(folder, 'a.bin'), 'old');
    await writeFilesAtomically(
      [
        { path: join(folder, 'a.bin'), bytes: new Uint8Array([1, 2]) },
        { path: join(folder, 'b.bin'), bytes: new Uint8Array([3]) },
      ],
      { overwrite: true },
    );
    expect([...readFileSync(join(folder, 'a.bin'))]).toEqual([1, 2]);
    expect(readdirSync(folder).sort()).toEqual(['a.bin', 'b.bin']);
  });

  it('writes nothing when one file cannot be staged, and names that file', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(folder, 'a.bin'), 'old');
    const missing = join(folder, 'missing-folder', 'b.bin');
    await expect(
      writeFilesAtomically(
        [
          { path: join(folder, 'a.bin'), bytes: new Uint8Array([1]) },
          { path: missing, bytes: new Uint8Array([2]) },
        ],
        { overwrite: true },
      ),
    ).rejects.toMatchObject({ code: 'CLI_IO', file: missing, message: `${missing}: cannot write (ENOENT)` });
    expect(readFileSync(join(folder, 'a.bin'), 'utf8')).toBe('old');
    expect(readdirSync(folder)).toEqual(['a.bin']);
  });

  it('without overwrite, refuses an existing file at the final step and takes back the files it had linked', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(folder, 'b.bin'), 'theirs');
    await expect(
      writeFilesAtomically([
        { path: join(folder, 'a.bin'), bytes: new Uint8Array([1]) },
        { path: join(folder, 'b.bin'), bytes: new Uint8Array([2]) },
      ]),
    ).rejects.toMatchObject({ code: 'CLI_OUTPUT_EXISTS', file: join(folder, 'b.bin') });
    expect(readdirSync(folder)).toEqual(['b.bin']);
    expect(readFileSync(join(folder, 'b.bin'), 'utf8')).toBe('theirs');
  });

  it('lets exactly one of several concurrent writers of a new file win, and keeps its bytes whole', async () => {
    folder = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(folder, 'model.onnx');
    const payloads = [1, 2, 3, 4, 5].map((n) => new Uint8Array(1 << 20).fill(n));
    const outcomes = await Promise.allSettled(payloads.map((bytes) => writeFileAtomically(path, bytes)));
    const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        expect(outcome.reason).toMatchObject({
          code: 'CLI_OUTPUT_EXISTS',
          message: `${path}: the file exists; pass --force to replace it`,
        });
    }
    expect(readFileSync(path).equals(Buffer.from(payloads[winners[0]]))).toBe(true);
    expect(readdirSync(folder)).toEqual(['model.onnx']);
  });
});
