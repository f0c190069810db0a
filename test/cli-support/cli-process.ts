import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI as a child process that the test can watch (its output so far, a line it waits for) and
 * signal, without blocking the test's event loop (other children keep running meanwhile).
 */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Outcome>;
  private readonly waiters = new Set<() => void>();

  constructor(cli: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) {
    const { cwd, env = process.env, timeoutMs = 90_000 } = options;
    this.child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const wake = () => this.waiters.forEach((waiter) => waiter());
    this.child.stdout!.on('data', (chunk) => ((this.stdout += chunk), wake()));
    this.child.stderr!.on('data', (chunk) => ((this.stderr += chunk), wake()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in stderr after `from` (a character offset); rejects after `timeoutMs` or at exit. */
  waitFor(pattern: RegExp, { timeoutMs = 60_000, from = 0 } = {}): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.stderr.slice(from).match(pattern);
        if (match) return finish(() => resolve(match));
        if (!this.running)
          finish(() =>
            reject(new Error(`exited (${this.child.exitCode ?? this.child.signalCode}) without printing ${pattern}:\n${this.stderr}`)),
          );
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${this.stderr}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

/** Runs the CLI to its end. */
export function runCli(
  cli: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Outcome> {
  return new CliProcess(cli, args, options).exited;
}
