import { ENHANCER_WORKER_NAME, enhancerWorkerScriptUrl } from './asset-base.js';
import { WebRuntimeError } from './web-runtime-error.js';
import type { PageToWorkerMessage, WorkerToPageMessage } from './worker-protocol.js';

type Listener = (message: WorkerToPageMessage) => void;

/** One worker and the enhancers it serves; messages are routed by enhancer id. */
export interface EnhancerWorkerConnection {
  readonly scriptUrl: string;
  send(message: PageToWorkerMessage): void;
  /** Registers an enhancer's listener; `onFailure` hears of a worker that died. Returns the unsubscribe. */
  subscribe(enhancerId: number, listener: Listener, onFailure: (error: WebRuntimeError) => void): () => void;
}

const connections = new Map<string, { worker: Worker; connection: EnhancerWorkerConnection }>();
let nextEnhancerId = 1;

export function nextWorkerEnhancerId(): number {
  return nextEnhancerId++;
}

/**
 * The worker for a set of onnxruntime-web settings, started on first use and kept: initialising the
 * WebAssembly runtime (tens of MB of code) is what makes a new enhancer slow, and a second model or a
 * switch between WASM and WebGPU can share it.
 */
export function enhancerWorkerFor(settingsKey: string): EnhancerWorkerConnection {
  const existing = connections.get(settingsKey);
  if (existing) return existing.connection;
  const scriptUrl = enhancerWorkerScriptUrl().href;
  const worker = new Worker(scriptUrl, { type: 'module', name: ENHANCER_WORKER_NAME });
  const listeners = new Map<number, { listener: Listener; onFailure: (error: WebRuntimeError) => void }>();
  worker.addEventListener('message', (event: MessageEvent<WorkerToPageMessage>) => {
    listeners.get(event.data.enhancerId)?.listener(event.data);
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    connections.delete(settingsKey);
    worker.terminate();
    const error = new WebRuntimeError({
      code: 'WORKER_FAILED',
      file: scriptUrl,
      message: `the enhancer worker failed${event.message ? `: ${event.message}` : ' to start (is the script served, with a JavaScript MIME type?)'}`,
      details: { script: scriptUrl, line: event.lineno, column: event.colno },
    });
    for (const { onFailure } of listeners.values()) onFailure(error);
    listeners.clear();
  });
  const connection: EnhancerWorkerConnection = {
    scriptUrl,
    send: (message) => worker.postMessage(message),
    subscribe(enhancerId, listener, onFailure) {
      listeners.set(enhancerId, { listener, onFailure });
      return () => listeners.delete(enhancerId);
    },
  };
  connections.set(settingsKey, { worker, connection });
  return connection;
}

/** Stops every enhancer worker of the page (their enhancers then fail); the next enhancer starts a new one. */
export function terminateEnhancerWorkers(): void {
  for (const { worker } of connections.values()) worker.terminate();
  connections.clear();
}
