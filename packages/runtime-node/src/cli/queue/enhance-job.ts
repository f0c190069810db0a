import { createHash } from 'node:crypto';
import type { EnhanceKind, ModelVariant } from '@enhance/core';
import { EARLIER_SETTINGS } from '../batch/batch-manifest.js';
import type { OutputSettings } from '../batch/batch-manifest.js';

/** What a queued job carries: paths on storage that every worker sees at the same place. */
export interface EnhanceJobData {
  readonly input: string;
  readonly inputSha256: string;
  readonly inputBytes: number;
  /** File name of the output in the worker's --out-dir. */
  readonly outputName: string;
  /** --kind at submission; null: each file's own. */
  readonly kind: EnhanceKind | null;
  /** --model at submission; null: the installed models of `variant`. */
  readonly model: string | null;
  readonly variant: ModelVariant;
  /** The digest of the model each kind is enhanced with, as the submitter found it; a worker with another refuses. */
  readonly modelSha256: Partial<Record<EnhanceKind, string>>;
  readonly settings: OutputSettings;
  readonly submitted: string;
}

/** What a completed job returns (kept in Redis; `enhance status --json` shows it). */
export interface EnhanceJobResult {
  readonly status: 'done' | 'complete';
  readonly output: string;
  readonly outputSha256: string | null;
  readonly outputBytes: number | null;
  readonly kind: string | null;
  readonly modelSha256: string | null;
  readonly device: string | null;
  readonly worker: string;
  readonly seconds: number;
}

/**
 * The job id: a digest of what the output is made from (the input's bytes, the models, the settings),
 * so submitting the same work again finds the job already there and adds nothing. The same bytes under
 * another name are the same job. 'enhance-' keeps it from looking like BullMQ's numeric ids. Settings
 * added since the first jobs count only where they differ from what every job was made with before,
 * so those jobs keep their ids.
 */
export function enhanceJobId(data: Pick<EnhanceJobData, 'inputSha256' | 'kind' | 'modelSha256' | 'settings'>): string {
  const models = Object.entries(data.modelSha256).sort(([a], [b]) => a.localeCompare(b));
  const { scale, tileSize, maxMemoryMB, ...added } = { ...EARLIER_SETTINGS, ...data.settings };
  const changed = Object.entries(added)
    .filter(([key, value]) => value !== EARLIER_SETTINGS[key as keyof typeof EARLIER_SETTINGS])
    .sort(([a], [b]) => a.localeCompare(b));
  const settings = [scale, tileSize, maxMemoryMB, ...(changed.length ? [Object.fromEntries(changed)] : [])];
  const identity = JSON.stringify({ input: data.inputSha256, kind: data.kind, models, settings });
  return `enhance-${createHash('sha256').update(identity).digest('hex')}`;
}
