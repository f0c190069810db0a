import { EnhancerError } from './enhancer-errors.js';

/** Checked before a run and between tiles: an aborted signal ends the run with ABORTED, its reason the cause. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new EnhancerError({ code: 'ABORTED', message: 'enhancement aborted', cause: signal.reason });
  }
}
