import { randomBytes } from 'node:crypto';
import { close, fstatSync, fsync, openSync, writeFile } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CliFileError } from './cli-file-error.js';
import { removeFilesInProgress, trackFileInProgress, untrackFileInProgress } from './files-in-progress.js';
import type { FileInProgress } from './files-in-progress.js';

/**
 * Writes every file in full to a temporary name in its own folder, then puts them all in place, so
 * readers never see half a file and a failure before that step leaves no output at all.
 *
 * Without `overwrite` each file is put in place by a hard link, which the system refuses when the name
 * exists: an existing file is never replaced, even by a writer that started after our check. If one
 * link is refused, the files this call already linked are removed again, so there is no partial set.
 * On a file system without hard links (FAT, exFAT, some network shares) the target is created with
 * O_EXCL instead and the bytes written into it: still never a replacement, but visible while written.
 * With `overwrite` each file is renamed over its target (atomic within a file system); a failure after
 * the first rename cannot bring the old files back.
 *
 * Temporaries are tracked (`files-in-progress`), so an interrupt handler can remove them too.
 */
export async function writeFilesAtomically(
  files: readonly { path: string; bytes: Uint8Array | string }[],
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<void> {
  const staged: StagedFile[] = [];
  try {
    for (const { path, bytes } of files) {
      const file: StagedFile = { temporary: temporaryNameFor(path), target: path, commit: overwrite ? 'rename' : 'link', state: 'writing' };
      staged.push(file);
      await writeTemporary(file, bytes);
    }
    for (const [index, file] of staged.entries()) {
      file.state = 'committing';
      await putInPlace(file, files[index].bytes);
    }
    // The set is complete; the linked temporaries are the last thing to tidy (tracked until they are gone).
    for (const file of staged) file.state = 'done';
    await Promise.all(staged.map((file) => (file.commit === 'link' ? unlink(file.temporary).catch(() => undefined) : undefined)));
    for (const file of staged) untrackFileInProgress(file);
  } catch (error) {
    removeFilesInProgress(staged);
    throw error;
  }
}

/**
 * One file, as `writeFilesAtomically` writes a set: readers never see a partial file, and without
 * `overwrite` an existing file is never replaced, even by a concurrent writer.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array | string, options: { overwrite?: boolean } = {}): Promise<void> {
  await writeFilesAtomically([{ path, bytes }], options);
}

/** A hidden name beside `path` that no other process (or call) picks: pid and random bytes. */
export function temporaryNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

type StagedFile = FileInProgress & { readonly target: string };

/** What link() says on a file system that has no hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

const writeToDescriptor = promisify(writeFile);
const syncDescriptor = promisify(fsync);
const closeDescriptor = promisify(close);

async function writeTemporary(file: StagedFile, bytes: Uint8Array | string): Promise<void> {
  trackFileInProgress(file);
  let fd: number;
  try {
    // Created synchronously: an asynchronous open still queued when an interrupt handler runs would
    // create the file after the handler had removed it.
    fd = openSync(file.temporary, 'wx');
  } catch (cause) {
    // Not created, so not ours to remove (an EEXIST here would be someone else's file).
    untrackFileInProgress(file);
    throw ioError(file.target, cause);
  }
  try {
    file.identity = fileIdentity(fd);
    await writeAndClose(fd, bytes);
  } catch (cause) {
    throw ioError(file.target, cause);
  }
}

async function putInPlace(file: StagedFile, bytes: Uint8Array | string): Promise<void> {
  try {
    if (file.commit === 'rename') {
      await rename(file.temporary, file.target);
      return;
    }
    try {
      await link(file.temporary, file.target);
    } catch (cause) {
      if (!NO_HARD_LINKS.has((cause as NodeJS.ErrnoException).code ?? '')) throw cause;
      // Created synchronously and marked ours at once, so an interrupt removes it even half-written.
      const fd = openSync(file.target, 'wx');
      file.identity = fileIdentity(fd);
      await writeAndClose(fd, bytes);
    }
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliFileError({
        code: 'CLI_OUTPUT_EXISTS',
        file: file.target,
        cause,
        message: 'the file exists; pass --force to replace it',
      });
    }
    throw ioError(file.target, cause);
  }
}

function fileIdentity(fd: number): { dev: number; ino: number } {
  const { dev, ino } = fstatSync(fd);
  return { dev, ino };
}

/** Asynchronous: removing the file's name meanwhile (an interrupt) only orphans the data. */
async function writeAndClose(fd: number, bytes: Uint8Array | string): Promise<void> {
  try {
    await writeToDescriptor(fd, bytes);
    await syncDescriptor(fd);
  } finally {
    await closeDescriptor(fd);
  }
}

function ioError(path: string, cause: unknown): CliFileError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new CliFileError({ code: 'CLI_IO', file: path, cause, message: `cannot write (${code ?? (cause as Error).message})` });
}
