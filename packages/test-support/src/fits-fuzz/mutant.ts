import { applyMutations, drawMutation, type Mutation } from './mutators.js';
import { mutantSeed, SeededRandom } from './seeded-random.js';
import { seedFiles } from './seed-files.js';

/** One fuzz input: a seed file and the edits made to it. */
export interface Mutant {
  readonly index: number;
  readonly seedName: string;
  readonly mutations: readonly Mutation[];
  readonly bytes: Uint8Array;
}

/** Mutant `index` of the run with this seed: the same on every machine and in every worker. */
export function mutantAt(runSeed: number, index: number): Mutant {
  const random = new SeededRandom(mutantSeed(runSeed, index));
  const seed = random.pick(seedFiles());
  const count = random.weighted({ 1: 60, 2: 25, 3: 15 });
  const mutations: Mutation[] = [];
  let bytes = seed.bytes;
  for (let i = 0; i < Number(count); i += 1) {
    const mutation = drawMutation(bytes, random);
    mutations.push(mutation);
    bytes = applyMutations(bytes, [mutation]);
  }
  return { index, seedName: seed.name, mutations, bytes };
}

/** The seed file's bytes with only these edits: what the minimiser tries. */
export function replayMutations(seedName: string, mutations: readonly Mutation[]): Uint8Array {
  const seed = seedFiles().find((file) => file.name === seedName);
  if (!seed) throw new Error(`no seed file named '${seedName}'`);
  return applyMutations(seed.bytes, mutations);
}
