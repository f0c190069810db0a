import { createEnhancerWithBackend } from '@enhance/core';
import type { Enhancer } from '@enhance/core';
import { configureOnnxRuntimeWeb } from './configure-onnxruntime-web.js';
import { webEnhancerBackend } from './web-enhancer-backend.js';
import { fromTransferredImage, toTransferredError, toTransferredImage } from './worker-protocol.js';
import type { PageToWorkerMessage, TransferredEnhancerOptions, WorkerToPageMessage } from './worker-protocol.js';
import { toTransferredQuality } from './quality-transfer.js';

/** The parts of a DedicatedWorkerGlobalScope the host uses. */
export interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Serves enhancers inside a dedicated worker: 'create' loads a model, 'enhance' and 'abort' address
 * runs by id, 'dispose' releases one enhancer's session. Runs of one enhancer are queued by core's
 * enhancer; an abort message reaches a run between tiles because session.run yields to the event loop.
 * onnxruntime-web's settings are taken from the first 'create' (the page keys workers by them).
 */
export function startEnhancerWorker(scope: WorkerScope): void {
  const enhancers = new Map<number, Promise<Enhancer | undefined>>();
  const runs = new Map<number, AbortController>();
  let threads: number | undefined;

  scope.addEventListener('message', (event: MessageEvent<PageToWorkerMessage>) => {
    const message = event.data;
    switch (message.type) {
      case 'create':
        enhancers.set(message.enhancerId, create(message.enhancerId, message.options));
        break;
      case 'enhance':
        void enhance(message);
        break;
      case 'abort':
        runs.get(message.id)?.abort(message.reason);
        break;
      case 'dispose':
        void dispose(message.enhancerId);
        break;
    }
  });

  async function create(enhancerId: number, options: TransferredEnhancerOptions): Promise<Enhancer | undefined> {
    const post = (message: DistributiveOmit<WorkerToPageMessage, 'enhancerId'>) => scope.postMessage({ ...message, enhancerId });
    try {
      const { wasmPaths, modelBaseUrl, ...enhancerOptions } = options;
      threads ??= configureOnnxRuntimeWeb({ threads: options.threads, wasmPaths });
      const web = webEnhancerBackend({ ...enhancerOptions, modelBaseUrl }, threads);
      const enhancer = await createEnhancerWithBackend(web.backend, {
        ...enhancerOptions,
        threads: web.threads,
        onProgress: (progressEvent) => post({ type: 'progress', event: progressEvent }),
        onWarning: (warning) => post({ type: 'warning', message: warning }),
      });
      const { info, kind, device, deviceFailures } = enhancer;
      post({ type: 'created', enhancer: { info, kind, device, deviceFailures: [...deviceFailures], threads } });
      return enhancer;
    } catch (error) {
      post({ type: 'error', error: toTransferredError(error) });
      return undefined;
    }
  }

  async function enhance(message: Extract<PageToWorkerMessage, { type: 'enhance' }>): Promise<void> {
    const { id, enhancerId } = message;
    const controller = new AbortController();
    runs.set(id, controller);
    try {
      const enhancer = await enhancers.get(enhancerId);
      if (!enhancer) throw new Error(`the enhancer worker has no enhancer ${enhancerId} (its model failed to load, or it was disposed)`);
      const result = await enhancer.enhance(fromTransferredImage(message.image) as never, {
        scale: message.scale,
        history: message.history,
        ...message.quality,
        signal: controller.signal,
        onProgress: (progressEvent) =>
          scope.postMessage({ type: 'progress', enhancerId, id, event: progressEvent } satisfies WorkerToPageMessage),
      });
      const image = toTransferredImage(result.image);
      const { device, scale, tiles, tilesSkipped, timeMs } = result;
      const { quality, transfer } = toTransferredQuality(result);
      const reply: WorkerToPageMessage = { type: 'result', enhancerId, id, image, device, scale, tiles, tilesSkipped, timeMs, quality };
      scope.postMessage(reply, [image.data.buffer, ...transfer]);
    } catch (error) {
      scope.postMessage({ type: 'error', enhancerId, id, error: toTransferredError(error) } satisfies WorkerToPageMessage);
    } finally {
      runs.delete(id);
    }
  }

  async function dispose(enhancerId: number): Promise<void> {
    const pending = enhancers.get(enhancerId);
    enhancers.delete(enhancerId);
    try {
      await (await pending)?.dispose();
    } finally {
      scope.postMessage({ type: 'disposed', enhancerId } satisfies WorkerToPageMessage);
    }
  }
}
