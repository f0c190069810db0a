import { describe, expect, it } from 'vitest';
import { createProgressBar } from './progress-bar.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WritableStream & {
    isTTY: boolean;
    written: string[];
  };
}

describe('createProgressBar', () => {
  it('redraws one line on a terminal and ends it once', () => {
    const terminal = stream(true);
    const bar = createProgressBar(terminal, 'in.fits');
    bar.update({ status: 'ready', device: 'cpu', source: 'm.onnx' });
    bar.update({ status: 'progress', loaded: 1, total: 3, unit: 'tiles' });
    bar.update({ status: 'progress', loaded: 3, total: 3, unit: 'tiles' });
    bar.finish();
    bar.finish();
    expect(terminal.written).toEqual([
      `\rin.fits [${'#'.repeat(10)}${'.'.repeat(20)}] 1/3 tiles`,
      `\rin.fits [${'#'.repeat(30)}] 3/3 tiles`,
      '\n',
    ]);
  });

  it('stays silent when stderr is not a terminal', () => {
    const pipe = stream(false);
    const bar = createProgressBar(pipe, 'in.fits');
    bar.update({ status: 'progress', loaded: 1, total: 2, unit: 'tiles' });
    bar.finish();
    expect(pipe.written).toEqual([]);
  });
});
