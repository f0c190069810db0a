import { createEnhancerWithBackend } from '@enhance/core';
import type { Enhancer } from '@enhance/core';
import { configureOnnxRuntimeWeb } from './configure-onnxruntime-web.js';
import { createWebBackend } from './web-backend.js';
import { fromTransferredImage, toTransferredError, toTransferredImage } from './worker-protocol.js';
import type { PageToWorkerMessage, TransferredEnhancerOptions, WorkerToPageMessage } from './worker-protocol.js';

/** The parts of a DedicatedWorkerGlobalScope the host uses. */
export interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

/**
 * Serves one enhancer inside a dedicated worker: the page sends 'create' once, then 'enhance' and
 * 'abort' requests by id, then 'dispose'. Runs are queued by core's enhancer; an abort message reaches
 * the run between tiles because session.run yields to the event loop.
 */
export function startEnhancerWorker(scope: WorkerScope): void {
  let enhancer: Enhancer | undefined;
  const runs = new Map<number, AbortController>();
  const post = (message: WorkerToPageMessage, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

  scope.addEventListener('message', (event: MessageEvent<PageToWorkerMessage>) => {
    const message = event.data;
    switch (message.type) {
      case 'create':
        void create(message.options);
        break;
      case 'enhance':
        void enhance(message);
        break;
      case 'abort':
        runs.get(message.id)?.abort(message.reason);
        break;
      case 'dispose':
        void dispose();
        break;
    }
  });

  async function create(options: TransferredEnhancerOptions): Promise<void> {
    try {
      const { wasmPaths, modelBaseUrl, ...enhancerOptions } = options;
      const threads = configureOnnxRuntimeWeb({ threads: options.threads, wasmPaths });
      enhancer = await createEnhancerWithBackend(createWebBackend({ modelBaseUrl }), {
        ...enhancerOptions,
        // Without cross-origin isolation there is one thread whatever was asked for.
        threads: threads > 1 && (options.threads ?? 0) > 0 ? threads : 0,
        onProgress: (progressEvent) => post({ type: 'progress', event: progressEvent }),
        onWarning: (warning) => post({ type: 'warning', message: warning }),
      });
      const { info, kind, device, deviceFailures } = enhancer;
      post({ type: 'created', enhancer: { info, kind, device, deviceFailures: [...deviceFailures], threads } });
    } catch (error) {
      post({ type: 'error', error: toTransferredError(error) });
    }
  }

  async function enhance(message: Extract<PageToWorkerMessage, { type: 'enhance' }>): Promise<void> {
    const { id } = message;
    const controller = new AbortController();
    runs.set(id, controller);
    try {
      if (!enhancer) throw new Error('the enhancer worker received an image before its model was loaded');
      const result = await enhancer.enhance(fromTransferredImage(message.image) as never, {
        scale: message.scale,
        history: message.history,
        signal: controller.signal,
        onProgress: (progressEvent) => post({ type: 'progress', id, event: progressEvent }),
      });
      const image = toTransferredImage(result.image);
      const { device, scale, tiles, timeMs } = result;
      post({ type: 'result', id, image, device, scale, tiles, timeMs }, [image.data.buffer]);
    } catch (error) {
      post({ type: 'error', id, error: toTransferredError(error) });
    } finally {
      runs.delete(id);
    }
  }

  async function dispose(): Promise<void> {
    for (const controller of runs.values()) controller.abort('disposed');
    try {
      await enhancer?.dispose();
    } finally {
      post({ type: 'disposed' });
      scope.close();
    }
  }
}
