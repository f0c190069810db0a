import { EnhanceError } from '@enhance/core';

export type TrainingDataErrorCode = 'NPY_FORMAT' | 'DATA_MISSING' | 'DATA_SHAPE' | 'DATA_ARGUMENT';

/** A training-data file is unreadable or unusable, or a sampler was asked for something it cannot give. */
export class TrainingDataError extends EnhanceError {
  constructor(options: { message: string; code: TrainingDataErrorCode; file?: string; cause?: unknown }) {
    super(options);
    this.name = 'TrainingDataError';
  }
}
