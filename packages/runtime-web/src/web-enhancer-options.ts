import type { Enhancer, EnhancerOptions } from '@enhance/core';

/** Where inference runs: a dedicated Web Worker keeps the page responsive; 'main-thread' is for workers and tests. */
export type WebExecutionContext = 'worker' | 'main-thread';

export interface WebEnhancerOptions extends EnhancerOptions {
  /** Default 'worker'. ('auto' device here: WebGPU on a hardware adapter, else WASM.) */
  runIn?: WebExecutionContext;
  /**
   * URL prefix (ending in '/') of onnxruntime-web's .wasm and .mjs files. Default: next to the
   * enhance-web.js bundle when it is used; otherwise onnxruntime-web's own resolution (bundlers).
   */
  wasmPaths?: string;
  /**
   * URL prefix (ending in '/') of the installed trained models (enhance-intensity.onnx, ...), used when
   * `model` is not given. Default: models/ next to the enhance-web.js bundle.
   */
  modelBaseUrl?: string;
}

/** An enhancer in the browser; `threads` tells how many WebAssembly threads onnxruntime-web was given. */
export interface WebEnhancer extends Enhancer {
  readonly runIn: WebExecutionContext;
  /**
   * WebAssembly threads in effect: 1 unless the page is crossOriginIsolated (SharedArrayBuffer needs
   * COOP/COEP); there, the `threads` asked for, by default one per logical core (defaultWasmThreadCount).
   */
  readonly threads: number;
}
