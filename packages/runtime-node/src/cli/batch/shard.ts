import { createHash } from 'node:crypto';
import { CliUsageError } from '@enhance/core/node';

/** Shard `index` of `count` (0-based, as SLURM_ARRAY_TASK_ID with --array=0-(n-1) and a Job's JOB_COMPLETION_INDEX). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `--shard i/n`: 0 ≤ i < n. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || count < 1 || index >= count || !Number.isSafeInteger(count)) {
    throw new CliUsageError({
      message: `--shard ${JSON.stringify(text)} is invalid: expected i/n with 0 ≤ i < n (e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-<n-1>)`,
    });
  }
  return { index, count };
}

/**
 * The shard a file belongs to: the SHA-256 of its name (no folder) as a 64-bit number, modulo `count`.
 * Only the name counts, so every machine assigns a file to the same shard whatever its mount point or
 * the order of the list; and names are unique within a batch (checked when the list is expanded).
 */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

/** The items of `shard`, in their original order. */
export function selectShard<Item>(items: readonly Item[], shard: Shard, nameOf: (item: Item) => string): Item[] {
  return items.filter((item) => shardOf(nameOf(item), shard.count) === shard.index);
}
