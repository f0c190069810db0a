import * as ort from 'onnxruntime-web';

/** More threads than this only add start-up time (one worker each) and contention on a busy page. */
export const MAX_DEFAULT_WASM_THREADS = 16;

/**
 * The WebAssembly threads used when `threads` is not given: one per logical core (at most
 * MAX_DEFAULT_WASM_THREADS) on a crossOriginIsolated page, 1 elsewhere. Every core is worth having: on a
 * 2-core machine the full network took 6.8 s on one thread and 5.1 s on two (onnxruntime-web's own
 * default, half the cores, gave one thread there).
 */
export function defaultWasmThreadCount(
  scope: { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } } = globalThis,
): number {
  if (scope.crossOriginIsolated !== true) return 1;
  const cores = Math.floor(scope.navigator?.hardwareConcurrency ?? 1) || 1;
  return Math.max(1, Math.min(MAX_DEFAULT_WASM_THREADS, cores));
}

/**
 * Sets onnxruntime-web's process-wide WebAssembly settings before the first session is created (they
 * are read once, when the runtime initialises). Threads need SharedArrayBuffer, which browsers offer
 * only to crossOriginIsolated pages; elsewhere onnxruntime-web would fall back to one thread anyway.
 * Returns the thread count in effect.
 */
export function configureOnnxRuntimeWeb({ threads = 0, wasmPaths }: { threads?: number; wasmPaths?: string }): number {
  const isolated = globalThis.crossOriginIsolated === true;
  const count = isolated && threads > 0 ? threads : defaultWasmThreadCount();
  ort.env.wasm.numThreads = count;
  // The enhancer already runs in its own worker; a second proxy worker would only copy tensors twice.
  ort.env.wasm.proxy = false;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.logLevel = 'error';
  return count;
}
