import { createEnhancerWithBackend, expandDevice, invalidOption } from '@enhance/core';
import { defaultModelBaseUrl, defaultWasmPaths } from './asset-base.js';
import { configureOnnxRuntimeWeb } from './configure-onnxruntime-web.js';
import type { WebEnhancer, WebEnhancerOptions, WebExecutionContext } from './web-enhancer-options.js';
import { createWebBackend } from './web-backend.js';
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
  const softwareWebGpu = (options.device ?? 'auto') === 'auto' ? 'reject' : 'allow';
  const enhancer = await createEnhancerWithBackend(createWebBackend({ modelBaseUrl: resolved.modelBaseUrl, softwareWebGpu }), {
    ...options,
    threads: threads > 1 && (options.threads ?? 0) > 0 ? threads : 0,
  });
  return Object.assign(enhancer, { runIn, threads }) as WebEnhancer;
}
