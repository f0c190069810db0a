import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server (package redis-server; .ci/run installs it). */
export const REDIS_SERVER = process.env.ENHANCE_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

/** A port that was free a moment ago on 127.0.0.1 (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real redis-server on 127.0.0.1 and a random port, its data in a scratch folder, with the append-only
 * file on and synced at every write (what docs/batch.md tells a fleet to configure), so jobs survive
 * `restart()`. Fails with the package to install when the binary is missing, rather than skipping.
 */
export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} not found: the queue tests need Debian's redis-server package (apt-get install redis-server; .ci/run installs it)`,
    );
  }
  const folder = mkdtempSync(join(tmpdir(), 'enhance-redis-'));
  const server = new RedisServer(folder, await freePort());
  await server.start();
  return server;
}

export class RedisServer {
  private child: ChildProcess | undefined;
  log = '';

  constructor(
    readonly folder: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.folder,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${this.log}`)), 10_000);
      const onData = (chunk: Buffer) => {
        this.log += chunk.toString();
        if (this.log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${this.log}`));
      });
    });
  }

  /** Stops the server (SIGTERM: it syncs its append-only file and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    this.log = '';
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.folder, { recursive: true, force: true });
  }
}
