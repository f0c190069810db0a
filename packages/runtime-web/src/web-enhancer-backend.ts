import type { EnhanceBackend, EnhanceDevice } from '@enhance/core';
import { createWebBackend } from './web-backend.js';

/**
 * The device rules of a web enhancer, the same in its worker and on the main thread:
 * - 'auto' passes over a software WebGPU adapter (SwiftShader, slower than WASM); a device named by the
 *   caller takes whatever adapter there is;
 * - the session gets the WebAssembly threads in effect (`wasmThreads`, from configureOnnxRuntimeWeb) when
 *   the caller asked for a count and there is more than one; otherwise 0, onnxruntime-web's own choice.
 *   Without cross-origin isolation there is one thread whatever was asked for.
 */
export function webEnhancerBackend(
  options: { device?: EnhanceDevice; threads?: number; modelBaseUrl?: string },
  wasmThreads: number,
): { backend: EnhanceBackend; threads: number } {
  return {
    backend: createWebBackend({
      modelBaseUrl: options.modelBaseUrl,
      softwareWebGpu: (options.device ?? 'auto') === 'auto' ? 'reject' : 'allow',
    }),
    threads: wasmThreads > 1 && (options.threads ?? 0) > 0 ? wasmThreads : 0,
  };
}
