import { EnhancerError } from '@enhance/core';
import type { EnhanceOptions, EnhanceProgressCallback, EnhanceResult, PlainImage, SolarImage } from '@enhance/core';
import { ENHANCER_WORKER_NAME, enhancerWorkerScriptUrl } from './asset-base.js';
import type { WebEnhancer, WebEnhancerOptions } from './web-enhancer-options.js';
import { WebRuntimeError } from './web-runtime-error.js';
import { fromTransferredError, fromTransferredImage, toTransferredImage } from './worker-protocol.js';
import type { CreatedEnhancerSummary, PageToWorkerMessage, TransferredEnhancerOptions, WorkerToPageMessage } from './worker-protocol.js';

interface PendingRun {
  resolve: (result: EnhanceResult<PlainImage | SolarImage>) => void;
  reject: (error: unknown) => void;
  onProgress?: EnhanceProgressCallback;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Starts a worker, loads the model there and returns an enhancer whose calls are messages to it. */
export async function createWorkerEnhancer(options: WebEnhancerOptions, resolved: { wasmPaths?: string; modelBaseUrl?: string }): Promise<WebEnhancer> {
  if (typeof Worker === 'undefined') {
    throw new WebRuntimeError({
      code: 'WORKER_UNAVAILABLE',
      message: "this environment has no Web Workers; use runIn: 'main-thread'",
    });
  }
  const { onProgress, onWarning, runIn: _runIn, wasmPaths: _wasmPaths, modelBaseUrl: _modelBaseUrl, ...plain } = options;
  const scriptUrl = enhancerWorkerScriptUrl();
  const worker = new Worker(scriptUrl, { type: 'module', name: ENHANCER_WORKER_NAME });
  const transferred: TransferredEnhancerOptions = {
    ...plain,
    // A relative model URL means the page's URL, not the worker script's.
    ...(typeof plain.model === 'string' ? { model: new URL(plain.model, globalThis.location?.href).href } : {}),
    ...resolved,
  };
  const send = (message: PageToWorkerMessage) => worker.postMessage(message);
  const runs = new Map<number, PendingRun>();
  let nextId = 1;
  let disposed = false;
  let settleCreate: { resolve: (summary: CreatedEnhancerSummary) => void; reject: (error: unknown) => void } | undefined;
  let settleDispose: (() => void) | undefined;

  const failEverything = (error: unknown) => {
    settleCreate?.reject(error);
    settleCreate = undefined;
    for (const run of runs.values()) run.reject(error);
    runs.clear();
    settleDispose?.();
  };

  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    failEverything(
      new WebRuntimeError({
        code: 'WORKER_FAILED',
        file: scriptUrl.href,
        message: `the enhancer worker failed${event.message ? `: ${event.message}` : ' to start (is the script served, with a JavaScript MIME type?)'}`,
        details: { script: scriptUrl.href, line: event.lineno, column: event.colno },
      }),
    );
    worker.terminate();
  });

  worker.addEventListener('message', (event: MessageEvent<WorkerToPageMessage>) => {
    const message = event.data;
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
        if (!run) break;
        finish(message.id);
        const { device, scale, tiles, timeMs } = message;
        run.resolve({ image: fromTransferredImage(message.image), device, scale, tiles, timeMs });
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
        worker.terminate();
        settleDispose?.();
        break;
    }
  });

  function finish(id: number) {
    const run = runs.get(id);
    if (run?.signal && run.onAbort) run.signal.removeEventListener('abort', run.onAbort);
    runs.delete(id);
  }

  const summary = await new Promise<CreatedEnhancerSummary>((resolve, reject) => {
    settleCreate = { resolve, reject };
    send({ type: 'create', options: transferred });
  }).catch((error: unknown) => {
    worker.terminate();
    throw error;
  });

  function enhance(image: PlainImage | SolarImage, runOptions: EnhanceOptions = {}): Promise<EnhanceResult<PlainImage | SolarImage>> {
    if (disposed) return Promise.reject(new EnhancerError({ code: 'ENHANCER_DISPOSED', message: 'the enhancer was disposed' }));
    const { signal, onProgress: onRunProgress } = runOptions;
    if (signal?.aborted) {
      return Promise.reject(new EnhancerError({ code: 'ABORTED', message: 'enhancement aborted', cause: signal.reason }));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const run: PendingRun = { resolve, reject, onProgress: onRunProgress, signal };
      if (signal) {
        run.onAbort = () => send({ type: 'abort', id, reason: String(signal.reason ?? 'aborted') });
        signal.addEventListener('abort', run.onAbort, { once: true });
      }
      runs.set(id, run);
      try {
        const history = runOptions.history ? [...runOptions.history] : undefined;
        send({ type: 'enhance', id, image: toTransferredImage(image), scale: runOptions.scale, history });
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
        send({ type: 'dispose' });
      });
    },
  };
  return enhancer as WebEnhancer;
}
