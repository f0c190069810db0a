import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes every file to a temporary name in its own folder first, then renames them all into place
 * (rename within one file system is atomic): readers never see half a file, and a failure before the
 * renames leaves no output at all.
 */
export async function writeFilesAtomically(files: readonly { path: string; bytes: Uint8Array | string }[]): Promise<void> {
  const staged: { temporary: string; path: string }[] = [];
  try {
    for (const { path, bytes } of files) {
      const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      staged.push({ temporary, path });
      await writeFile(temporary, bytes, { flag: 'wx' });
    }
    for (const { temporary, path } of staged) await rename(temporary, path);
  } catch (error) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
    throw error;
  }
}
