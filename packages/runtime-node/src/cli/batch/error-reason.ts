import { EnhanceError } from '@enhance/core';

/** One line for a manifest, a job's failed reason or a log: the error's own message (which names the file), or a labelled fallback. */
export function errorReason(error: unknown): string {
  if (EnhanceError.isInstance(error)) return error.message.split('\n')[0];
  if (error instanceof Error) return `unexpected error: ${error.message.split('\n')[0]}`;
  return `unexpected error: ${String(error)}`;
}
