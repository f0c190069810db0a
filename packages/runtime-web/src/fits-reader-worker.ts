import type { WorkerScope } from './enhancer-worker-host.js';
import { startFitsReaderWorker } from './fits-reader-worker-host.js';

// The module a bundler turns into the FITS reader's worker (`new Worker(new URL('./fits-reader-worker.js', import.meta.url))`).
startFitsReaderWorker(globalThis as unknown as WorkerScope);
