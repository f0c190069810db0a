import { EnhanceError } from '@enhance/core';

export type WebRuntimeErrorCode = 'WORKER_FAILED' | 'WORKER_UNAVAILABLE' | 'WORKER_TIMEOUT';

/**
 * A problem of the browser runtime itself: a worker (inference or FITS reader) could not start, died, or
 * (WORKER_TIMEOUT) did not answer in time and was stopped.
 */
export class WebRuntimeError extends EnhanceError {
  override readonly code: WebRuntimeErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    code,
    message,
    file,
    cause,
    details = {},
  }: {
    code: WebRuntimeErrorCode;
    message: string;
    file?: string;
    cause?: unknown;
    details?: Record<string, unknown>;
  }) {
    super({ code, message, file, cause });
    this.name = 'WebRuntimeError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}
