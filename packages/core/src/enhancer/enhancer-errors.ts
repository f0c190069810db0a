import { EnhanceError } from '../errors/index.js';

/** Every code an EnhancerError can carry (the worker protocol rebuilds errors by these). */
export const ENHANCER_ERROR_CODES = [
  'OPTION_INVALID',
  'IMAGE_INVALID',
  'IMAGE_ALL_NAN',
  'IMAGE_TOO_SMALL',
  'SCALE_UNDETERMINED',
  'OUTPUT_NOT_FINITE',
  'MODEL_KIND_MISMATCH',
  'MODEL_PRECISION_MISMATCH',
  'MODEL_NOT_INSTALLED',
  'MODEL_UNTRAINED',
  'MODEL_NOT_FOUND',
  'MODEL_IO',
  'ENHANCER_DISPOSED',
  'ABORTED',
] as const;

export type EnhancerErrorCode = (typeof ENHANCER_ERROR_CODES)[number];

/** A problem with an enhancer's options, its model or the image it was given. */
export class EnhancerError extends EnhanceError {
  override readonly code: EnhancerErrorCode;
  /** The offending values, for programs that react to the error. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor({
    code,
    message,
    file,
    cause,
    details = {},
  }: {
    code: EnhancerErrorCode;
    message: string;
    file?: string;
    cause?: unknown;
    details?: Record<string, unknown>;
  }) {
    super({ code, message, file, cause });
    this.name = 'EnhancerError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/** A user option outside its allowed values; the message quotes the value and what is allowed. */
export function invalidOption(name: string, value: unknown, expected: string): EnhancerError {
  return new EnhancerError({
    code: 'OPTION_INVALID',
    message: `option ${name} = ${formatValue(value)} is invalid: expected ${expected}`,
    details: { option: name, value },
  });
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Object.prototype.toString.call(value);
}
