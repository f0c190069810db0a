import type { EnhanceBackend } from './enhance-backend.js';
import type { NetworkInput } from './prepare-network-input.js';
import { QualityCheck, qaWarning } from './quality-check.js';

export type QualityCheckOutcome = Awaited<ReturnType<QualityCheck['check']>>;

/**
 * One enhancer's quality check, its session made on the first run that asks for it (and again on the
 * next after a failed attempt); a residual beyond the model card's is told to the run's
 * `warnFor`, else to `onWarning`.
 */
export function lazyQualityCheck(
  backend: EnhanceBackend,
  modelDigest: string,
  threads: number,
  onWarning: ((message: string) => void) | undefined,
) {
  let qualityCheck: Promise<QualityCheck> | undefined;
  return {
    async check(
      input: NetworkInput,
      output: Float32Array,
      signal: AbortSignal | undefined,
      warnFor: ((message: string) => void) | undefined = onWarning,
    ): Promise<QualityCheckOutcome> {
      qualityCheck ??= QualityCheck.create(backend, modelDigest, threads).catch((error: unknown) => {
        qualityCheck = undefined;
        throw error;
      });
      const checked = await (await qualityCheck).check(input.data, input.width, input.height, output, input.reportedScale, signal);
      const warning = qaWarning(checked.summary);
      if (warning) warnFor?.(warning);
      return checked;
    },
    async release(): Promise<void> {
      const check = await qualityCheck?.catch(() => undefined);
      await check?.release();
    },
  };
}
