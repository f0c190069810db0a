import { MODEL_PRECISIONS } from '@enhance/core';
import type { ModelPrecision } from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';

export const PRECISION_USAGE = `  --precision <p>         ${MODEL_PRECISIONS.join(' | ')} (default: fp32): int8 runs the installed quantised model,
                          about 2× faster on CPUs; the model card gives its difference from fp32`;

/** --precision, checked against the allowed values; undefined when not given (the library's default). */
export function parsePrecision(value: string | undefined): ModelPrecision | undefined {
  if (value === undefined) return undefined;
  if (!MODEL_PRECISIONS.includes(value as ModelPrecision)) {
    throw new CliUsageError({ message: `--precision ${JSON.stringify(value)} is invalid: expected ${MODEL_PRECISIONS.join(' | ')}` });
  }
  return value as ModelPrecision;
}
