import { EnhancerError, invalidOption } from '@enhance/core';
import type { FitsImage, FitsImageFloat64, ReadFitsOptions } from '@enhance/core';
import { FITS_READER_WORKER_NAME, fitsReaderWorkerScriptUrl } from './asset-base.js';
import { WebRuntimeError } from './web-runtime-error.js';
import { fromTransferredError, fromTransferredFitsImage } from './worker-protocol.js';
import type { FitsReaderToPageMessage, PageToFitsReaderMessage } from './worker-protocol.js';

export const DEFAULT_FITS_READ_TIMEOUT_MS = 10_000;

export interface ReadFitsInWorkerOptions extends ReadFitsOptions {
  /**
   * How long the read may take, from the call (a fresh worker's start included), before the worker is
   * stopped and the read fails with WORKER_TIMEOUT. Default 10 000 ms.
   */
  timeoutMs?: number;
  /** Stops the read (its worker is terminated) with an error of code ABORTED. */
  signal?: AbortSignal;
  /**
   * Moves the bytes' buffer to the worker instead of copying it: `bytes` is detached afterwards. Only
   * when the array spans its whole buffer; otherwise its bytes are copied anyway.
   */
  transfer?: boolean;
}

/** One finished worker kept for the next read: starting one loads the script again. */
let idleWorker: Worker | undefined;
let nextReadId = 1;

/**
 * Core's readFits in a worker of its own: the page stays responsive whatever the file, and a read that
 * takes longer than `timeoutMs` ends with its worker terminated (the next read gets a fresh one).
 * Reads in flight at the same time each have their own worker. Errors are the reader's (FitsError and
 * its codes, rebuilt on the page), or WebRuntimeError WORKER_TIMEOUT / WORKER_FAILED / WORKER_UNAVAILABLE.
 */
export function readFitsInWorker(bytes: Uint8Array, options?: ReadFitsInWorkerOptions & { precision?: 'float32' }): Promise<FitsImage>;
export function readFitsInWorker(bytes: Uint8Array, options: ReadFitsInWorkerOptions & { precision: 'float64' }): Promise<FitsImageFloat64>;
export function readFitsInWorker(bytes: Uint8Array, options: ReadFitsInWorkerOptions = {}): Promise<FitsImage | FitsImageFloat64> {
  const { timeoutMs = DEFAULT_FITS_READ_TIMEOUT_MS, signal, transfer = false, ...readOptions } = options;
  const { file } = readOptions;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    return Promise.reject(invalidOption('timeoutMs', timeoutMs, 'a positive number of milliseconds'));
  if (!(bytes instanceof Uint8Array)) return Promise.reject(invalidOption('bytes', bytes, 'a Uint8Array'));
  if (typeof Worker === 'undefined') {
    return Promise.reject(
      new WebRuntimeError({ code: 'WORKER_UNAVAILABLE', file, message: "this environment has no Web Workers; use core's readFits" }),
    );
  }
  if (signal?.aborted) return Promise.reject(aborted(file, signal));

  return new Promise((resolve, reject) => {
    const worker = idleWorker ?? new Worker(fitsReaderWorkerScriptUrl().href, { type: 'module', name: FITS_READER_WORKER_NAME });
    idleWorker = undefined;
    const id = nextReadId++;

    const finish = (reusable: boolean) => {
      clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (reusable && idleWorker === undefined) idleWorker = worker;
      else worker.terminate();
    };
    const onMessage = (event: MessageEvent<FitsReaderToPageMessage>) => {
      const message = event.data;
      if (message.id !== id) return;
      finish(true);
      if (message.type === 'read') resolve(fromTransferredFitsImage(message.image));
      else reject(fromTransferredError(message.error));
    };
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      finish(false);
      const script = fitsReaderWorkerScriptUrl().href;
      reject(
        new WebRuntimeError({
          code: 'WORKER_FAILED',
          file,
          message: `the FITS reader's worker failed${event.message ? `: ${event.message}` : ` to start (is ${script} served, with a JavaScript MIME type?)`}`,
          details: { script, line: event.lineno, column: event.colno },
        }),
      );
    };
    const onAbort = () => {
      finish(false);
      reject(aborted(file, signal));
    };
    const timer = setTimeout(() => {
      finish(false);
      reject(
        new WebRuntimeError({
          code: 'WORKER_TIMEOUT',
          file,
          message: `decoding took too long (over ${formatSeconds(timeoutMs)}) and was stopped; the file may be corrupt`,
          details: { timeoutMs },
        }),
      );
    }, timeoutMs);
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });

    const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const sent = transfer && whole ? bytes : bytes.slice();
    try {
      const message: PageToFitsReaderMessage = { type: 'read', id, bytes: sent, options: readOptions };
      worker.postMessage(message, [sent.buffer as ArrayBuffer]);
    } catch (error) {
      // A detached buffer or an option structured clone refuses.
      finish(false);
      reject(error);
    }
  });
}

function aborted(file: string | undefined, signal: AbortSignal | undefined): EnhancerError {
  return new EnhancerError({ code: 'ABORTED', file, message: 'reading the FITS file aborted', cause: signal?.reason });
}

function formatSeconds(milliseconds: number): string {
  return milliseconds >= 1000 ? `${Number((milliseconds / 1000).toPrecision(3))} s` : `${Number(milliseconds.toPrecision(3))} ms`;
}
