import { link, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

/**
 * Writes `bytes` to a temporary file beside `path`, then moves it into place, so readers never see a
 * partial model. Without `overwrite` the final step is a hard link, which fails if `path` exists, so
 * an existing file is never replaced even by a concurrent writer.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, { overwrite = false } = {}): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
  } catch (cause) {
    throw new CliError({ code: 'CLI_IO', file: path, cause, message: `cannot write: ${(cause as Error).message}` });
  }
  try {
    if (overwrite) {
      await rename(temporary, path);
      return;
    }
    try {
      await link(temporary, path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CliError({ code: 'CLI_OUTPUT_EXISTS', file: path, message: 'the file exists; pass --force to replace it' });
      }
      throw new CliError({ code: 'CLI_IO', file: path, cause, message: `cannot write: ${(cause as Error).message}` });
    }
    await unlink(temporary);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
