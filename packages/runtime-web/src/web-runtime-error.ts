import { EnhanceError } from '@enhance/core';

export type WebRuntimeErrorCode = 'WORKER_FAILED' | 'WORKER_UNAVAILABLE';

/** A problem of the browser runtime itself: the inference worker could not start or died. */
export class WebRuntimeError extends EnhanceError {
  override readonly code: WebRuntimeErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({ code, message, file, cause, details = {} }: {
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
