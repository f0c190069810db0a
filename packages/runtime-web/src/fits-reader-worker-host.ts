import { readFits } from '@enhance/core';
import type { WorkerScope } from './enhancer-worker-host.js';
import { toTransferredError, toTransferredFitsImage } from './worker-protocol.js';
import type { FitsReaderToPageMessage, PageToFitsReaderMessage } from './worker-protocol.js';

/**
 * Reads FITS files inside a dedicated worker, one message at a time: the page's thread never runs the
 * decoder, so a file that makes it loop or allocate without end costs the page a worker, not the tab.
 */
export function startFitsReaderWorker(scope: WorkerScope): void {
  scope.addEventListener('message', (event: MessageEvent<PageToFitsReaderMessage>) => {
    const { id, bytes, options } = event.data;
    try {
      const image = toTransferredFitsImage(readFits(bytes, options as never));
      scope.postMessage({ type: 'read', id, image } satisfies FitsReaderToPageMessage, [image.data.buffer]);
    } catch (error) {
      scope.postMessage({ type: 'error', id, error: toTransferredError(error) } satisfies FitsReaderToPageMessage);
    }
  });
}
