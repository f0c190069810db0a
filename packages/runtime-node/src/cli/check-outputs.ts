import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliFileError, folderWriteProblem } from '@enhance/core/node';

/**
 * Refuses, before any work, outputs that cannot be written: the input itself, a name given twice, a
 * folder that is missing, not a folder or not writable, an existing file without `force`. The final
 * write refuses an existing file again (a hard link), since another process may create it meanwhile.
 */
export async function checkOutputs(inputPath: string, outputs: readonly string[], force: boolean): Promise<void> {
  const input = resolve(inputPath);
  const seen = new Set<string>();
  const folders = new Map<string, Promise<string | undefined>>();
  for (const output of outputs) {
    const target = resolve(output);
    if (target === input) {
      throw new CliFileError({ code: 'CLI_OUTPUT', file: output, message: 'is the input file: the input is never overwritten' });
    }
    if (seen.has(target)) throw new CliFileError({ code: 'CLI_OUTPUT', file: output, message: 'named twice as an output' });
    seen.add(target);
    const folder = dirname(output);
    if (!folders.has(folder)) folders.set(folder, folderWriteProblem(folder));
    const problem = await folders.get(folder);
    if (problem) throw new CliFileError({ code: 'CLI_OUTPUT', file: output, message: problem });
    if (existsSync(target)) {
      if (statSync(target).isDirectory()) throw new CliFileError({ code: 'CLI_OUTPUT', file: output, message: 'is a directory' });
      if (!force) throw new CliFileError({ code: 'CLI_OUTPUT_EXISTS', file: output, message: 'already exists (use --force to overwrite)' });
    }
  }
}
