import { closeSync, openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeFilesInProgress, trackFileInProgress } from './files-in-progress.js';
import type { FileInProgress } from './files-in-progress.js';
import { temporaryNameFor } from './write-files-atomically.js';

/**
 * Why files cannot be created in `folder` (it is missing, not a folder, not writable...), or undefined
 * when they can. Found by creating and removing a probe file, the only test that also catches read-only
 * mounts, ACLs and root-owned folders; permission bits alone would not.
 */
export async function folderWriteProblem(folder: string): Promise<string | undefined> {
  try {
    if (!(await stat(folder)).isDirectory()) return `${folder} is not a folder`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `folder ${folder} does not exist`;
    if (code === 'ENOTDIR') return `folder ${folder} does not exist (part of its path is a file)`;
    return `cannot reach folder ${folder} (${code})`;
  }
  const probe: FileInProgress = { temporary: temporaryNameFor(join(folder, 'enhance-write-probe')), commit: 'link', state: 'writing' };
  trackFileInProgress(probe);
  try {
    // Synchronous, so an interrupt cannot fall between creating and removing it.
    closeSync(openSync(probe.temporary, 'wx'));
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `folder ${folder} is not writable (${code})`;
    if (code === 'EROFS') return `folder ${folder} is on a read-only file system`;
    return `cannot create files in folder ${folder} (${code})`;
  } finally {
    removeFilesInProgress([probe]);
  }
}
