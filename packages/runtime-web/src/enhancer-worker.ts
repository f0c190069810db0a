import { startEnhancerWorker } from './enhancer-worker-host.js';
import type { WorkerScope } from './enhancer-worker-host.js';

// The module a bundler turns into the enhancer's worker (`new Worker(new URL('./enhancer-worker.js', import.meta.url))`).
startEnhancerWorker(globalThis as unknown as WorkerScope);
