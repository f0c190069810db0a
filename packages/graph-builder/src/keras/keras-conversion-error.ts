import { EnhanceError } from '@enhance/core';

export type KerasConversionErrorCode =
  | 'KERAS_NOT_HDF5'
  | 'KERAS_UNSUPPORTED_FORMAT'
  | 'KERAS_BAD_MODEL_JSON'
  | 'KERAS_UNKNOWN_LAYER'
  | 'KERAS_UNSUPPORTED_CONFIG'
  | 'KERAS_MISSING_WEIGHT'
  | 'KERAS_SHAPE_MISMATCH'
  | 'KERAS_INCONSISTENT_MODEL'
  | 'KERAS_BAD_ONNX'
  | 'KERAS_OUTPUT_EXISTS';

/**
 * Raised when a Keras weight file, its model JSON or an ONNX model to export cannot be mapped onto the
 * Enhance network. The message names the file and, where there is one, the Keras layer; `details` carries
 * the offending values (shapes, class names, config entries) for programs.
 */
export class KerasConversionError extends EnhanceError {
  override readonly code: KerasConversionErrorCode;
  /** The Keras layer the problem is in, when there is one. */
  readonly layer: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    message,
    code,
    file,
    layer,
    details = {},
    cause,
  }: {
    message: string;
    code: KerasConversionErrorCode;
    file?: string;
    layer?: string;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super({ message: layer ? `layer '${layer}': ${message}` : message, code, file, cause });
    this.name = 'KerasConversionError';
    this.code = code;
    this.layer = layer;
    this.details = Object.freeze({ ...details });
  }
}
