import { ENHANCER_WORKER_NAME, setBundleUrl } from './asset-base.js';
import { startEnhancerWorker } from './enhancer-worker-host.js';
import type { WorkerScope } from './enhancer-worker-host.js';

export * from './index.js';

// The esbuild bundle (enhance-web.js) is one file: it finds its wasm files and models next to itself and
// serves as its own worker script, recognised by the worker's name.
setBundleUrl(import.meta.url);
if ((globalThis as { name?: unknown }).name === ENHANCER_WORKER_NAME && typeof (globalThis as { importScripts?: unknown }).importScripts === 'function') {
  startEnhancerWorker(globalThis as unknown as WorkerScope);
}
