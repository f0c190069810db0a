import { EnhanceError } from '@enhance/core';

export type EnhanceNetworkErrorCode = 'ENHANCE_ARCHITECTURE' | 'ENHANCE_PARAMETER' | 'ENHANCE_MODEL';

/** A network that cannot be built or a model file that is not an Enhance model; `details` holds the values. */
export class EnhanceNetworkError extends EnhanceError {
  override readonly code: EnhanceNetworkErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    message,
    code,
    file,
    details = {},
    cause,
  }: {
    message: string;
    code: EnhanceNetworkErrorCode;
    file?: string;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super({ message, code, file, cause });
    this.name = 'EnhanceNetworkError';
    this.code = code;
    this.details = details;
  }
}
