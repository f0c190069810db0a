import { describe, expect, it } from 'vitest';
import { createFileProgress } from './file-progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 };
}

describe('createFileProgress', () => {
  it('on a terminal: a bar over files, redrawn in place, with each file’s line printed above it', () => {
    const terminal = stream(true);
    const progress = createFileProgress(terminal, 3);
    progress.start();
    progress.fileDone('a.fits → a.enhanced.fits', { ok: true });
    progress.fileDone('b.fits: failed: not FITS', { ok: false });
    progress.finish();
    expect(terminal.written).toEqual([
      `\r\x1b[K[${'.'.repeat(30)}] 0/3 files`,
      '\r\x1b[Ka.fits → a.enhanced.fits\n',
      `\r\x1b[K[${'#'.repeat(10)}${'.'.repeat(20)}] 1/3 files`,
      '\r\x1b[Kb.fits: failed: not FITS\n',
      `\r\x1b[K[${'#'.repeat(20)}${'.'.repeat(10)}] 2/3 files, 1 failed`,
      '\n',
    ]);
  });

  it('elsewhere (a log file, a pipe): one line per file, no bar', () => {
    const log = stream(false);
    const progress = createFileProgress(log, 2);
    progress.start();
    progress.note('shard 0/2: 2 of 4 files');
    progress.fileDone('a.fits → a.enhanced.fits', { ok: true });
    progress.finish();
    expect(log.written).toEqual(['shard 0/2: 2 of 4 files\n', 'a.fits → a.enhanced.fits\n']);
  });
});
