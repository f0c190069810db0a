import type { CliStream } from '@enhance/core/node';
import type { EnhanceProgressEvent } from '@enhance/core';

const BAR_WIDTH = 30;

/** A one-line progress bar redrawn in place on a terminal; silent when the stream is not a TTY. */
export function createProgressBar(stream: CliStream, label: string) {
  const enabled = stream.isTTY === true;
  let drawn = false;
  return {
    update(event: EnhanceProgressEvent): void {
      if (!enabled || event.status !== 'progress') return;
      const fraction = event.total === 0 ? 1 : event.loaded / event.total;
      const filled = Math.round(fraction * BAR_WIDTH);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${event.loaded}/${event.total} tiles`);
      drawn = true;
    },
    finish(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
