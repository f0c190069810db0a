import { EnhanceError } from '@enhance/core';

export type OnnxModelErrorCode = 'ONNX_DECODE' | 'ONNX_UNSUPPORTED';

/** An ONNX file that cannot be read, or holds something this package does not handle. */
export class OnnxModelError extends EnhanceError {
  override readonly code: OnnxModelErrorCode;

  constructor({ message, code, file, cause }: { message: string; code: OnnxModelErrorCode; file?: string; cause?: unknown }) {
    super({ message, code, file, cause });
    this.name = 'OnnxModelError';
    this.code = code;
  }
}
