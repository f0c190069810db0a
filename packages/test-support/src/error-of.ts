import { EnhanceError } from '@enhance/core';

/** Runs the action and returns the EnhanceError it throws; fails when it throws nothing or another error. */
export function errorOf(action: () => unknown): EnhanceError {
  try {
    action();
  } catch (error) {
    if (EnhanceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an EnhanceError, but nothing was thrown');
}
