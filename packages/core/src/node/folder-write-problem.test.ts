import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { folderWriteProblem } from './folder-write-problem.js';

let folder = '';
afterEach(() => {
  if (folder) chmodSync(folder, 0o755);
  rmSync(folder, { recursive: true, force: true });
});

describe('folderWriteProblem', () => {
  it('finds nothing wrong with a writable folder, and leaves no probe behind', async () => {
    folder = mkdtempSync(join(tmpdir(), 'writable-'));
    expect(await folderWriteProblem(folder)).toBeUndefined();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('names a folder that is missing, a file, or under a file', async () => {
    folder = mkdtempSync(join(tmpdir(), 'writable-'));
    writeFileSync(join(folder, 'file'), '');
    expect(await folderWriteProblem(join(folder, 'missing'))).toBe(`folder ${join(folder, 'missing')} does not exist`);
    expect(await folderWriteProblem(join(folder, 'file'))).toBe(`${join(folder, 'file')} is not a folder`);
    expect(await folderWriteProblem(join(folder, 'file', 'sub'))).toBe(
      `folder ${join(folder, 'file', 'sub')} does not exist (part of its path is a file)`,
    );
  });

  it('names a folder it cannot create files in (mode 0555; root writes there anyway, so /sys stands in)', async (context) => {
    folder = mkdtempSync(join(tmpdir(), 'writable-'));
    const readOnly = join(folder, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    let target = readOnly;
    if (process.getuid?.() === 0) {
      // Permission bits do not bind root; sysfs refuses new files to everyone.
      if (!statSync('/sys', { throwIfNoEntry: false })?.isDirectory()) context.skip();
      target = '/sys';
    }
    expect(await folderWriteProblem(target)).toMatch(new RegExp(`^folder ${target} is not writable \\((EACCES|EPERM)\\)$`));
    chmodSync(readOnly, 0o755);
    expect(readdirSync(readOnly)).toEqual([]);
  });
});
