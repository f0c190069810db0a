import { writeFilesAtomically } from './write-files-atomically.js';

/**
 * Writes `bytes` to a temporary file beside `path`, then moves it into place, so readers never see a
 * partial model. Without `overwrite` the final step is a hard link, which fails if `path` exists, so
 * an existing file is never replaced even by a concurrent writer.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, { overwrite = false } = {}): Promise<void> {
  await writeFilesAtomically([{ path, bytes }], { overwrite });
}
