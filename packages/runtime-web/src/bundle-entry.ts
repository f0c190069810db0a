import { ENHANCER_WORKER_NAME, FITS_READER_WORKER_NAME, setBundleUrl } from './asset-base.js';
import { startEnhancerWorker } from './enhancer-worker-host.js';
import type { WorkerScope } from './enhancer-worker-host.js';
import { startFitsReaderWorker } from './fits-reader-worker-host.js';

export * from './index.js';

// The esbuild bundle (enhance-web.js) is one file: it finds its wasm files and models next to itself and
// serves as its own worker scripts, recognised by the worker's name.
setBundleUrl(import.meta.url);
if (typeof (globalThis as { importScripts?: unknown }).importScripts === 'function') {
  const { name } = globalThis as { name?: unknown };
  if (name === ENHANCER_WORKER_NAME) startEnhancerWorker(globalThis as unknown as WorkerScope);
  if (name === FITS_READER_WORKER_NAME) startFitsReaderWorker(globalThis as unknown as WorkerScope);
}
