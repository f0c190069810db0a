import { EnhancerError } from '@enhance/core';
import type { EnhanceOptions, EnhanceProgressCallback, EnhanceResult, PlainImage, SolarImage } from '@enhance/core';
import { enhancerWorkerFor, nextWorkerEnhancerId } from './enhancer-worker-pool.js';
import type { WebEnhancer, WebEnhancerOptions } from './web-enhancer-options.js';
import { WebRuntimeError } from './web-runtime-error.js';
import { fromTransferredError, fromTransferredImage, toTransferredImage } from './worker-protocol.js';
import type { CreatedEnhancerSummary, TransferredEnhancerOptions, WorkerToPageMessage } from './worker-protocol.js';
import { fromTransferredQuality, qualityOptionsOf } from './quality-transfer.js';

interface PendingRun {
  resolve: (result: EnhanceResult<PlainImage | SolarImage>) => void;
  reject: (error: unknown) => void;
  onProgress?: EnhanceProgressCallback;
  signal?: AbortSignal;
  onAbort?: () => void;
}

let nextRunId = 1;

/** Loads the model in the page's enhancer worker and returns an enhancer whose calls are messages to it. */
export async function createWorkerEnhancer(
  options: WebEnhancerOptions,
  resolved: { wasmPaths?: string; modelBaseUrl?: string },
): Promise<WebEnhancer> {
  if (typeof Worker === 'undefined') {
    throw new WebRuntimeError({ code: 'WORKER_UNAVAILABLE', message: "this environment has no Web Workers; use runIn: 'main-thread'" });
  }
  const { onProgress, onWarning, runIn: _runIn, wasmPaths: _wasmPaths, modelBaseUrl: _modelBaseUrl, ...plain } = options;
  const transferred: TransferredEnhancerOptions = {
    ...plain,
    // A relative model URL means the page's URL, not the worker script's.
    ...(typeof plain.model === 'string' ? { model: new URL(plain.model, globalThis.location?.href).href } : {}),
    ...resolved,
  };
  const connection = enhancerWorkerFor(JSON.stringify([resolved.wasmPaths ?? '', plain.threads ?? 0]));
  const enhancerId = nextWorkerEnhancerId();
  const runs = new Map<number, PendingRun>();
  let disposed = false;
  let settleCreate: { resolve: (summary: CreatedEnhancerSummary) => void; reject: (error: unknown) => void } | undefined;
  let settleDispose: (() => void) | undefined;

  const finish = (id: number) => {
    const run = runs.get(id);
    if (run?.signal && run.onAbort) run.signal.removeEventListener('abort', run.onAbort);
    runs.delete(id);
  };

  const unsubscribe = connection.subscribe(
    enhancerId,
    (message: WorkerToPageMessage) => {
      switch (message.type) {
        case 'created':
          settleCreate?.resolve(message.enhancer);
          settleCreate = undefined;
          break;
        case 'progress':
          if (message.id === undefined) onProgress?.(message.event);
          else runs.get(message.id)?.onProgress?.(message.event);
          break;
        case 'warning':
          onWarning?.(message.message);
          break;
        case 'result': {
          const run = runs.get(message.id);
          finish(message.id);
          const { device, scale, tiles, tilesSkipped, timeMs } = message;
          run?.resolve({
            image: fromTransferredImage(message.image),
            device,
            scale,
            tiles,
            tilesSkipped,
            timeMs,
            ...fromTransferredQuality(message.quality),
          });
          break;
        }
        case 'error': {
          const error = fromTransferredError(message.error);
          if (message.id === undefined) {
            settleCreate?.reject(error);
            settleCreate = undefined;
          } else {
            runs.get(message.id)?.reject(error);
            finish(message.id);
          }
          break;
        }
        case 'disposed':
          unsubscribe();
          settleDispose?.();
          break;
      }
    },
    (error) => {
      settleCreate?.reject(error);
      settleCreate = undefined;
      for (const id of [...runs.keys()]) {
        runs.get(id)?.reject(error);
        finish(id);
      }
      settleDispose?.();
    },
  );

  const summary = await new Promise<CreatedEnhancerSummary>((resolve, reject) => {
    settleCreate = { resolve, reject };
    connection.send({ type: 'create', enhancerId, options: transferred });
  }).catch((error: unknown) => {
    unsubscribe();
    throw error;
  });

  function enhance(image: PlainImage | SolarImage, runOptions: EnhanceOptions = {}): Promise<EnhanceResult<PlainImage | SolarImage>> {
    if (disposed) return Promise.reject(new EnhancerError({ code: 'ENHANCER_DISPOSED', message: 'the enhancer was disposed' }));
    const { signal, onProgress: onRunProgress } = runOptions;
    if (signal?.aborted) {
      return Promise.reject(new EnhancerError({ code: 'ABORTED', message: 'enhancement aborted', cause: signal.reason }));
    }
    const id = nextRunId++;
    return new Promise((resolve, reject) => {
      const run: PendingRun = { resolve, reject, onProgress: onRunProgress, signal };
      if (signal) {
        run.onAbort = () => connection.send({ type: 'abort', enhancerId, id, reason: String(signal.reason ?? 'aborted') });
        signal.addEventListener('abort', run.onAbort, { once: true });
      }
      runs.set(id, run);
      try {
        const history = runOptions.history ? [...runOptions.history] : undefined;
        connection.send({
          type: 'enhance',
          enhancerId,
          id,
          image: toTransferredImage(image),
          scale: runOptions.scale,
          history,
          quality: qualityOptionsOf(runOptions),
        });
      } catch (error) {
        // Structured clone refuses some values (functions, detached buffers); report it like a run error.
        finish(id);
        reject(error);
      }
    });
  }

  const enhancer = {
    info: summary.info,
    kind: summary.kind,
    device: summary.device,
    deviceFailures: summary.deviceFailures,
    runIn: 'worker' as const,
    threads: summary.threads,
    enhance,
    dispose(): Promise<void> {
      if (disposed) return Promise.resolve();
      disposed = true;
      return new Promise<void>((resolve) => {
        settleDispose = resolve;
        connection.send({ type: 'dispose', enhancerId });
      });
    },
  };
  return enhancer as WebEnhancer;
}
