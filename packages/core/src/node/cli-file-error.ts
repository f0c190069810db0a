import { EnhanceError } from '../errors/index.js';

/** 'CLI_INPUT': an input cannot be read; 'CLI_OUTPUT': an output cannot go where it is named; 'CLI_IO': a write failed. */
export type CliFileErrorCode = 'CLI_INPUT' | 'CLI_OUTPUT' | 'CLI_OUTPUT_EXISTS' | 'CLI_IO';

/** A file the CLI cannot read or refuses to write (missing, would be overwritten, not writable...): exit status 1. */
export class CliFileError extends EnhanceError {
  override readonly code: CliFileErrorCode;

  constructor({ code, message, file, cause }: { code: CliFileErrorCode; message: string; file: string; cause?: unknown }) {
    super({ code, message, file, cause });
    this.name = 'CliFileError';
    this.code = code;
  }
}
