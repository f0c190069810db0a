import { readFile } from 'node:fs/promises';
import { CliFileError } from '@enhance/core/node';

/** The bytes of a model file named on the command line; a file that cannot be read is a CliFileError naming it. */
export async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new CliFileError({ code: 'CLI_IO', file, cause, message: `cannot read: ${(cause as Error).message}` });
  }
}
