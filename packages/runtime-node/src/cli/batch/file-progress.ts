import type { CliStream } from '@enhance/core/node';

const BAR_WIDTH = 30;

/**
 * Progress over the files of a batch. On a terminal: a bar redrawn in place, with each file's line
 * printed above it; elsewhere (a SLURM log, a pipe): the lines only, one per file.
 */
export function createFileProgress(stream: CliStream, total: number) {
  const terminal = stream.isTTY === true;
  let finished = 0;
  let failed = 0;
  let drawn = false;
  const bar = () => {
    const filled = Math.round((total === 0 ? 1 : finished / total) * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${finished}/${total} files${failed ? `, ${failed} failed` : ''}`;
  };
  const redraw = () => {
    if (!terminal) return;
    stream.write(`\r\x1b[K${bar()}`);
    drawn = true;
  };
  return {
    /** One file is finished (enhanced, skipped or failed): its line, then the bar. */
    fileDone(line: string, { ok }: { ok: boolean }): void {
      finished++;
      if (!ok) failed++;
      stream.write(`${terminal && drawn ? '\r\x1b[K' : ''}${line}\n`);
      drawn = false;
      redraw();
    },
    /** A line that is not a file's result (a warning, the interrupt notice). */
    note(line: string): void {
      stream.write(`${terminal && drawn ? '\r\x1b[K' : ''}${line}\n`);
      drawn = false;
      redraw();
    },
    start(): void {
      redraw();
    },
    finish(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export type FileProgress = ReturnType<typeof createFileProgress>;
