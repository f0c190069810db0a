import { EnhanceError } from '@enhance/core';

/** The queue's server cannot be reached or refused a command: exit code 1, one line. */
export class QueueError extends EnhanceError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super({ code: 'QUEUE', message, cause });
    this.name = 'QueueError';
  }
}
