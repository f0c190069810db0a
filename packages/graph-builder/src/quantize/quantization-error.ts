import { EnhanceError } from '@enhance/core';

export type QuantizationErrorCode = 'QUANTIZE_MODEL' | 'QUANTIZE_CALIBRATION' | 'QUANTIZE_OPTION';

/** A model that cannot be quantised, or calibration data that cannot calibrate it; `details` holds the values. */
export class QuantizationError extends EnhanceError {
  override readonly code: QuantizationErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    message,
    code,
    file,
    details = {},
    cause,
  }: {
    message: string;
    code: QuantizationErrorCode;
    file?: string;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super({ message, code, file, cause });
    this.name = 'QuantizationError';
    this.code = code;
    this.details = details;
  }
}
