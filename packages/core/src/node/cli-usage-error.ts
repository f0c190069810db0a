import { EnhanceError } from '../errors/index.js';

/**
 * A command line that cannot be acted on (unknown option, bad value, missing argument): exit status 2.
 * The only error with the code 'CLI_USAGE', which is what the CLIs test for.
 */
export class CliUsageError extends EnhanceError {
  override readonly code = 'CLI_USAGE';

  constructor({ message, file, cause }: { message: string; file?: string; cause?: unknown }) {
    super({ code: 'CLI_USAGE', message, file, cause });
    this.name = 'CliUsageError';
  }
}
