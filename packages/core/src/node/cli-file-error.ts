import { EnhanceError } from '@enhance/core';

export type CliErrorCode = 'CLI_USAGE' | 'CLI_OUTPUT_EXISTS' | 'CLI_IO';

/** A command line that cannot run; 'CLI_USAGE' exits with status 2, the others with 1. */
export class CliError extends EnhanceError {
  override readonly code: CliErrorCode;

  constructor({ message, code, file, cause }: { message: string; code: CliErrorCode; file?: string; cause?: unknown }) {
    super({ message, code, file, cause });
    this.name = 'CliError';
    this.code = code;
  }
}
