/**
 * Where the enhance-web.js bundle lives. The bundle sets it to its own URL, so onnxruntime-web's wasm
 * files and the installed models are found next to it wherever the page serves it from; the package
 * used through a bundler leaves it unset and lets the bundler place onnxruntime-web's files.
 */
let bundleUrl: string | undefined;

export function setBundleUrl(url: string): void {
  bundleUrl = url;
}

export function defaultWasmPaths(): string | undefined {
  return bundleUrl === undefined ? undefined : new URL('./', bundleUrl).href;
}

export function defaultModelBaseUrl(): string | undefined {
  return bundleUrl === undefined ? undefined : new URL('./models/', bundleUrl).href;
}

/** The script a worker is started from: the bundle itself, or this package's worker module. */
export function enhancerWorkerScriptUrl(): URL {
  return bundleUrl === undefined ? new URL('./enhancer-worker.js', import.meta.url) : new URL(bundleUrl);
}

/** The name the bundle recognises when it is loaded as the enhancer's worker. */
export const ENHANCER_WORKER_NAME = 'enhance-worker';
