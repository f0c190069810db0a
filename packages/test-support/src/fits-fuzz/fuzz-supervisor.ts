import { Worker } from 'node:worker_threads';
import type { ReadOutcome } from './classify-read.js';
import { type FuzzJob, fuzzWorkerData, type WorkerMessage } from './fuzz-worker.js';

export interface SupervisorOptions {
  /** The module that runs `runFuzzWorker` when started as a worker (the fuzz CLI is its own). */
  readonly workerScript: URL;
  /** A read that has not answered after this long is a hang: the worker is ended and restarted. */
  readonly timeoutMs: number;
  readonly slowMs: number;
  /** V8 heap limit of the worker: a runaway allocation ends it instead of the machine. */
  readonly heapMb: number;
}

/** Starting a worker on a loaded machine can take seconds; only a worker that never starts is a failure. */
const STARTUP_LIMIT_MS = 60_000;

/**
 * Runs a job under a watchdog: every outcome is reported in order, a read that takes longer than
 * the time limit is reported as 'timeout' and one that exhausts the heap as 'out-of-memory'; the
 * worker is then replaced and the job goes on from the next item.
 */
export async function superviseJob(
  job: FuzzJob,
  options: SupervisorOptions,
  onResult: (index: number, outcome: ReadOutcome) => void,
): Promise<void> {
  let next = job.start;
  while (next < job.end) next = await runUntilFailure({ ...job, start: next }, options, onResult);
}

/** The outcome of one read of one file under the watchdog. */
export async function superviseRead(name: string, bytes: Uint8Array, options: SupervisorOptions): Promise<ReadOutcome> {
  let result: ReadOutcome | undefined;
  await superviseJob({ kind: 'files', files: [{ name, bytes }], start: 0, end: 1 }, options, (_index, outcome) => {
    result = outcome;
  });
  return result as ReadOutcome;
}

function runUntilFailure(
  job: FuzzJob,
  options: SupervisorOptions,
  onResult: (index: number, outcome: ReadOutcome) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(options.workerScript, {
      workerData: fuzzWorkerData(job, options.slowMs),
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb, maxYoungGenerationSizeMb: 32 },
    });
    let next = job.start;
    let ready = false;
    let done = false;
    let timedOut = false;
    let failure: (Error & { code?: string }) | undefined;
    let lastProgress = performance.now();
    const watchdog = setInterval(
      () => {
        if (performance.now() - lastProgress > (ready ? options.timeoutMs : STARTUP_LIMIT_MS)) {
          timedOut = true;
          void worker.terminate();
        }
      },
      Math.max(10, Math.min(50, options.timeoutMs / 4)),
    );
    worker.on('message', (message: WorkerMessage) => {
      lastProgress = performance.now();
      if (message.type === 'ready') ready = true;
      else if (message.type === 'done') done = true;
      else {
        onResult(message.index, message.outcome);
        next = message.index + 1;
      }
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', () => {
      clearInterval(watchdog);
      if (done || next >= job.end) {
        resolve(job.end);
        return;
      }
      if (!ready) {
        reject(
          new Error(
            `the fuzz worker did not start: ${failure?.message ?? (timedOut ? `no answer within ${STARTUP_LIMIT_MS} ms` : 'it exited')}`,
          ),
        );
        return;
      }
      const outcome: ReadOutcome = timedOut
        ? { outcome: 'timeout', defect: true, ms: options.timeoutMs, message: `no answer within ${options.timeoutMs} ms` }
        : failure?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              outcome: 'out-of-memory',
              defect: true,
              ms: performance.now() - lastProgress,
              message: `the read used more than the ${options.heapMb} MiB heap`,
            }
          : {
              outcome: `worker-crash ${failure?.name ?? 'exit'}`,
              defect: true,
              ms: performance.now() - lastProgress,
              message: failure?.message ?? 'the worker exited',
            };
      onResult(next, outcome);
      resolve(next + 1);
    });
  });
}
