import { EnhanceError } from '@enhance/core';

export type EvaluationErrorCode = 'EVALUATION_SHAPE' | 'EVALUATION_INPUT' | 'EVALUATION_MODEL';

/** An evaluation could not be computed: mismatched images, unreadable inputs or a model that fails to run. */
export class EvaluationError extends EnhanceError {
  constructor(options: { message: string; code: EvaluationErrorCode; file?: string; cause?: unknown }) {
    super(options);
    this.name = 'EvaluationError';
  }
}
