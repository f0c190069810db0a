import { EnhanceError } from '@enhance/core';

export type TrainingErrorCode =
  | 'TRAIN_BAD_OPTION'
  | 'TRAIN_CHECKPOINT_MISSING'
  | 'TRAIN_CHECKPOINT_CORRUPT'
  | 'TRAIN_CHECKPOINT_MISMATCH'
  | 'TRAIN_NOT_FINITE'
  | 'TRAIN_DATA';

/** A problem with training options, checkpoints or the numbers a training step produced. */
export class TrainingError extends EnhanceError {
  constructor(options: { message: string; code: TrainingErrorCode; file?: string; cause?: unknown }) {
    super(options);
    this.name = 'TrainingError';
  }
}
