import { EnhanceError } from '@enhance/core';

/** A command line the CLI cannot act on (unknown option, bad value, missing argument): exit code 2. */
export class CliUsageError extends EnhanceError {
  readonly details: Readonly<Record<string, unknown>>;

  constructor({ message, file, details = {} }: { message: string; file?: string; details?: Record<string, unknown> }) {
    super({ code: 'CLI_USAGE', message, file });
    this.name = 'CliUsageError';
    this.details = Object.freeze({ ...details });
  }
}

/** An input or output file the CLI refuses (missing, would be overwritten, ...): exit code 1. */
export class CliFileError extends EnhanceError {
  constructor({ code, message, file, cause }: { code: 'CLI_INPUT' | 'CLI_OUTPUT_EXISTS' | 'CLI_OUTPUT'; message: string; file: string; cause?: unknown }) {
    super({ code, message, file, cause });
    this.name = 'CliFileError';
  }
}
