import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliFileError, CliUsageError } from '@enhance/core/node';

/** One file of a batch: where it is and the name of its output in the output folder. */
export interface BatchInput {
  /** Absolute path. */
  readonly path: string;
  /** File name of the output, e.g. `hmi.Ic_45s.20140101_000000_TAI.2.continuum.enhanced.fits`. */
  readonly outputName: string;
}

/** What a folder contributes: its FITS files by extension (JSOC's `.fits`, `.fits.fz`, `.fit`, `.fts`). */
const FITS_NAME = /\.(fits?|fts)(\.fz)?$/i;
export const OUTPUT_SUFFIX = '.enhanced.fits';

/**
 * The output name for an input: its name without the FITS extension, plus `.enhanced.fits`. Used by
 * `batch`, `submit` and `worker` alike, so a queue and a batch fill an output folder the same way.
 */
export function outputNameFor(inputPath: string): string {
  return `${basename(inputPath).replace(FITS_NAME, '')}${OUTPUT_SUFFIX}`;
}

/**
 * Expands the command line's inputs: files as given, folders to the FITS files directly inside them
 * (sorted, hidden files and earlier `.enhanced.fits` outputs left out, no recursion), and `@list.txt` to
 * the paths in the list, one a line (blank lines and `#` comments skipped; relative paths are relative
 * to the list's folder). A path named twice counts once. Two inputs whose outputs would have the same
 * name (x.fits in two folders) are refused before any work, since one output would replace the other.
 * A file that does not exist stays in the list: it fails on its own, recorded, and the rest go on.
 */
export async function expandInputs(args: readonly string[], cwd = process.cwd()): Promise<BatchInput[]> {
  const paths: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const listPath = resolve(cwd, arg.slice(1));
      for (const entry of await readList(listPath)) await addPath(paths, resolve(dirname(listPath), entry), arg.slice(1));
    } else {
      await addPath(paths, resolve(cwd, arg), undefined);
    }
  }
  const unique = [...new Set(paths)];
  if (unique.length === 0) throw new CliUsageError({ message: `no FITS files in ${args.join(' ')}` });
  const byOutput = new Map<string, string>();
  const clashes: string[] = [];
  for (const path of unique) {
    const outputName = outputNameFor(path);
    const earlier = byOutput.get(outputName);
    if (earlier !== undefined) clashes.push(`${earlier} and ${path} would both be written to ${outputName}`);
    else byOutput.set(outputName, path);
  }
  if (clashes.length > 0) {
    const more = clashes.length > 3 ? ` (and ${clashes.length - 3} more)` : '';
    throw new CliUsageError({
      message: `inputs with the same file name: ${clashes.slice(0, 3).join('; ')}${more}; run them as separate batches with separate --out-dir folders`,
    });
  }
  return unique.map((path) => ({ path, outputName: outputNameFor(path) }));
}

async function readList(listPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliFileError({
      code: 'CLI_INPUT',
      file: listPath,
      message: code === 'ENOENT' ? 'no such list file' : `cannot read the list (${code})`,
      cause: error,
    });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

async function addPath(paths: string[], path: string, listName: string | undefined): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    // Missing or unreadable: kept, so that it is recorded as failed with its reason.
  }
  if (!isDirectory) {
    paths.push(path);
    return;
  }
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    const where = listName ? ` (listed in ${listName})` : '';
    throw new CliFileError({
      code: 'CLI_INPUT',
      file: path,
      message: `cannot list the folder${where} (${(error as NodeJS.ErrnoException).code})`,
      cause: error,
    });
  }
  for (const name of names.sort()) {
    if (name.startsWith('.') || !FITS_NAME.test(name) || name.endsWith(OUTPUT_SUFFIX)) continue;
    paths.push(join(path, name));
  }
}
