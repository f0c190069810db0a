import { BLOCK_LENGTH } from '@enhance/core';
import type { ReadOutcome } from './classify-read.js';
import { type Mutant, replayMutations } from './mutant.js';
import type { Mutation } from './mutators.js';

export interface MinimalReproducer {
  readonly seedName: string;
  readonly mutations: readonly Mutation[];
  readonly bytes: Uint8Array;
  readonly outcome: ReadOutcome;
}

/**
 * Shrinks a mutant while it keeps its outcome class: first drops edits one at a time (replaying the
 * rest on the seed), then cuts whole blocks off the end. `read` runs under the watchdog, so hangs
 * shrink as safely as exceptions; `budget` caps the reads.
 */
export async function minimiseMutant(
  mutant: Mutant,
  outcome: ReadOutcome,
  read: (bytes: Uint8Array) => Promise<ReadOutcome>,
  budget = 24,
): Promise<MinimalReproducer> {
  let best: MinimalReproducer = { seedName: mutant.seedName, mutations: mutant.mutations, bytes: mutant.bytes, outcome };
  let reads = 0;
  const keeps = async (bytes: Uint8Array) => {
    reads += 1;
    const result = await read(bytes);
    return result.outcome === outcome.outcome ? result : undefined;
  };
  for (let shrunk = true; shrunk && best.mutations.length > 1 && reads < budget;) {
    shrunk = false;
    for (let i = 0; i < best.mutations.length && reads < budget; i += 1) {
      const fewer = best.mutations.filter((_, j) => j !== i);
      const bytes = replayMutations(best.seedName, fewer);
      const result = await keeps(bytes);
      if (result) {
        best = { ...best, mutations: fewer, bytes, outcome: result };
        shrunk = true;
        break;
      }
    }
  }
  while (best.bytes.length > BLOCK_LENGTH && reads < budget) {
    const bytes = best.bytes.slice(0, (Math.ceil(best.bytes.length / BLOCK_LENGTH) - 1) * BLOCK_LENGTH);
    const result = await keeps(bytes);
    if (!result) break;
    best = { ...best, bytes, outcome: result };
  }
  return best;
}
