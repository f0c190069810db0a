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

/** The script of the FITS reader's worker: the bundle itself, or this package's reader module. */
export function fitsReaderWorkerScriptUrl(): URL {
  return bundleUrl === undefined ? new URL('./fits-reader-worker.js', import.meta.url) : new URL(bundleUrl);
}

/** The names the bundle recognises when it is loaded as the enhancer's worker or the FITS reader's. */
export const ENHANCER_WORKER_NAME = 'enhance-worker';
export const FITS_READER_WORKER_NAME = 'enhance-fits-reader';
