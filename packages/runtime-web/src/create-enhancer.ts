import { createEnhancerWithBackend, expandDevice, invalidOption } from '@enhance/core';
import { defaultModelBaseUrl, defaultWasmPaths } from './asset-base.js';
import { configureOnnxRuntimeWeb } from './configure-onnxruntime-web.js';
import type { WebEnhancer, WebEnhancerOptions, WebExecutionContext } from './web-enhancer-options.js';
import { webEnhancerBackend } from './web-enhancer-backend.js';
import { createWorkerEnhancer } from './worker-enhancer.js';

const EXECUTION_CONTEXTS: readonly WebExecutionContext[] = ['worker', 'main-thread'];

/**
 * An enhancer running on onnxruntime-web ('auto' device: WebGPU when an adapter exists, else WASM),
 * by default in its own Web Worker. Same options and results as @enhance/runtime-node's createEnhancer.
 */
export async function createEnhancer(options: WebEnhancerOptions): Promise<WebEnhancer> {
  const runIn = options.runIn ?? 'worker';
  if (!EXECUTION_CONTEXTS.includes(runIn)) {
    throw invalidOption('runIn', runIn, EXECUTION_CONTEXTS.map((name) => `'${name}'`).join(' | '));
  }
  // Checked here too, so that a wrong device fails before a worker starts and a model is downloaded.
  expandDevice(options.device ?? 'auto', 'web');
  const resolved = {
    wasmPaths: options.wasmPaths ?? defaultWasmPaths(),
    modelBaseUrl: options.modelBaseUrl ?? defaultModelBaseUrl(),
  };
  if (runIn === 'worker') return createWorkerEnhancer(options, resolved);
  const threads = configureOnnxRuntimeWeb({ threads: options.threads, wasmPaths: resolved.wasmPaths });
  const web = webEnhancerBackend({ ...options, modelBaseUrl: resolved.modelBaseUrl }, threads);
  const enhancer = await createEnhancerWithBackend(web.backend, { ...options, threads: web.threads });
  return Object.assign(enhancer, { runIn, threads }) as WebEnhancer;
}
