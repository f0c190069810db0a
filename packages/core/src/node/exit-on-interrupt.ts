import type { CliStream } from './cli-command.js';
import { removeFilesInProgress } from './files-in-progress.js';

/** The shell's convention: 128 + the signal's number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Until the returned function is called, SIGINT and SIGTERM remove every file this process has in
 * progress (temporaries, and outputs of a set not yet complete), print one line and exit with 130 or
 * 143. Node's default on these signals is to die on the spot, which leaves the temporaries behind.
 */
export function exitOnInterrupt({
  program,
  stderr,
  beforeExit,
}: {
  program: string;
  stderr: CliStream;
  beforeExit?: () => void;
}): () => void {
  const handlers = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]).map((signal) => {
    const handler = () => {
      const { left } = removeFilesInProgress();
      beforeExit?.();
      const already = left.length > 0 ? ` (already in place: ${left.join(', ')})` : '';
      stderr.write(`${program}: interrupted by ${signal}; unfinished files removed${already}\n`);
      process.exit(EXIT_CODES[signal]);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return () => {
    for (const { signal, handler } of handlers) process.off(signal, handler);
  };
}
