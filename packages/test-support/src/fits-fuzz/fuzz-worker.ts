import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { classifyRead, type ReadOutcome } from './classify-read.js';
import { mutantAt } from './mutant.js';
import { seedFiles } from './seed-files.js';

/** A file to read by name, as the replay of reproducers and the minimiser hand them over. */
export interface NamedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What one worker reads: mutants `start` to `end − 1` of a run, or a slice of a list of files. */
export type FuzzJob =
  | { readonly kind: 'mutants'; readonly seed: number; readonly start: number; readonly end: number }
  | { readonly kind: 'files'; readonly files: readonly NamedFile[]; readonly start: number; readonly end: number };

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly index: number; readonly outcome: ReadOutcome }
  | { readonly type: 'done' };

interface WorkerInput {
  readonly role: typeof FUZZ_WORKER_ROLE;
  readonly job: FuzzJob;
  readonly slowMs: number;
}

const FUZZ_WORKER_ROLE = 'enhance-fits-fuzz-worker';

/** The name a mutant is read under, which its errors must carry. */
export function mutantFileName(seed: number, index: number): string {
  return `mutant-${seed}-${index}.fits`;
}

export function fuzzWorkerData(job: FuzzJob, slowMs: number): WorkerInput {
  return { role: FUZZ_WORKER_ROLE, job, slowMs };
}

/** True inside a worker the supervisor started (the CLI module is its own worker script). */
export function isFuzzWorker(): boolean {
  return !isMainThread && (workerData as Partial<WorkerInput> | undefined)?.role === FUZZ_WORKER_ROLE;
}

/** Reads the job's files one by one, posting each outcome as soon as it is known. */
export function runFuzzWorker(): void {
  const { job, slowMs } = workerData as WorkerInput;
  const port = parentPort as NonNullable<typeof parentPort>;
  // Built before 'ready', so that making the seeds does not count against the first mutant's time.
  if (job.kind === 'mutants') seedFiles();
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  for (let index = job.start; index < job.end; index += 1) {
    const file =
      job.kind === 'mutants' ? { name: mutantFileName(job.seed, index), bytes: mutantAt(job.seed, index).bytes } : job.files[index];
    port.postMessage({ type: 'result', index, outcome: classifyRead(file.bytes, file.name, slowMs) } satisfies WorkerMessage);
  }
  port.postMessage({ type: 'done' } satisfies WorkerMessage);
}
