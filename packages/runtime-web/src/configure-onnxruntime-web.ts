import * as ort from 'onnxruntime-web';

/** onnxruntime-web's own default: half the logical cores, at most 4. */
function defaultThreadCount(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(4, Math.ceil(cores / 2)));
}

/**
 * Sets onnxruntime-web's process-wide WebAssembly settings before the first session is created (they
 * are read once, when the runtime initialises). Threads need SharedArrayBuffer, which browsers offer
 * only to crossOriginIsolated pages; elsewhere onnxruntime-web would fall back to one thread anyway.
 * Returns the thread count in effect.
 */
export function configureOnnxRuntimeWeb({ threads = 0, wasmPaths }: { threads?: number; wasmPaths?: string }): number {
  const isolated = globalThis.crossOriginIsolated === true;
  const count = isolated ? (threads > 0 ? threads : defaultThreadCount()) : 1;
  ort.env.wasm.numThreads = count;
  // The enhancer already runs in its own worker; a second proxy worker would only copy tensors twice.
  ort.env.wasm.proxy = false;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.logLevel = 'error';
  return count;
}
