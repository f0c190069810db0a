import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module script of the runtime-web package (no type declarations)
import { createDemoServer, listen } from '../../packages/runtime-web/scripts/serve-demo.mjs';

// The demo server (npm run demo) answers whatever arrives on its port with a status, never with a crash,
// and serves nothing from outside its folders, symbolic links included.

const SERVE_DEMO = fileURLToPath(new URL('../../packages/runtime-web/scripts/serve-demo.mjs', import.meta.url));

interface RawAnswer {
  /** The status of the first response, undefined when the server closed the connection without one. */
  status?: number;
  text: string;
}

/** Sends bytes on a fresh connection and collects what comes back until the server closes it. */
function rawRequest(port: number, bytes: string | Buffer, { closeAfterMs }: { closeAfterMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (closeAfterMs !== undefined) setTimeout(() => socket.destroy(), closeAfterMs);
    });
    // The server may close while a long request is still being written (EPIPE, ECONNRESET): what it
    // answered before that is what counts.
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => chunks.push(chunk));
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 10 s to ${JSON.stringify(String(bytes).slice(0, 80))}`));
    }, 10_000);
    socket.on('close', () => {
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text });
    });
  });
}

const request = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
const withBody = (method: string, size: number) =>
  Buffer.concat([Buffer.from(`${method} /demo/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 0x61)]);

/** A deterministic run of arbitrary bytes, CR/LF included. */
function garbage(seed: number, length: number): Buffer {
  let state = seed;
  return Buffer.from(
    Array.from({ length }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 24;
    }),
  );
}

type Expected = number | 'refused';

/** Malformed and hostile requests and what each must get: a status, or 'refused' (any 4xx, or the connection closed). */
const HOSTILE: { what: string; bytes: string | Buffer; expected: Expected; closeAfterMs?: number }[] = [
  { what: 'lone %', bytes: request('/%'), expected: 400 },
  { what: 'truncated UTF-8 escape', bytes: request('/%E0%A4%A'), expected: 400 },
  { what: 'invalid UTF-8 under a folder', bytes: request('/demo/%C0%AF'), expected: 400 },
  { what: 'raw ..', bytes: request('/demo/../package.json'), expected: 400 },
  { what: 'encoded ..', bytes: request('/demo/%2e%2e/package.json'), expected: 400 },
  { what: 'half-encoded ..', bytes: request('/demo/.%2E/scripts/serve-demo.mjs'), expected: 400 },
  { what: 'double-encoded ..', bytes: request('/demo/%252e%252e/package.json'), expected: 404 },
  { what: 'encoded slash', bytes: request('/demo/..%2f..%2fpackage.json'), expected: 400 },
  { what: 'encoded backslash', bytes: request('/demo/..%5c..%5cpackage.json'), expected: 400 },
  { what: 'backslashes', bytes: request('/demo/..\\..\\package.json'), expected: 'refused' },
  { what: 'deep traversal', bytes: request('/bundle/../../../../../../etc/passwd'), expected: 400 },
  { what: 'encoded NUL', bytes: request('/demo/index.html%00.png'), expected: 400 },
  { what: 'raw NUL', bytes: request('/demo/\0index.html'), expected: 'refused' },
  { what: 'absolute-form target', bytes: request('http://example.org/demo/'), expected: 400 },
  { what: 'URL of 5000 characters', bytes: request(`/demo/${'a'.repeat(5000)}`), expected: 414 },
  { what: 'URL of 40000 characters', bytes: request(`/demo/${'a'.repeat(40_000)}`), expected: 431 },
  { what: 'a 20 KB header', bytes: request('/demo/', `X-Padding: ${'p'.repeat(20_000)}\r\n`), expected: 431 },
  { what: '10000 small headers', bytes: request('/demo/', 'X-A: b\r\n'.repeat(10_000)), expected: 431 },
  { what: 'request line without a version (HTTP/0.9)', bytes: 'GET /demo/\r\n\r\n', expected: 'refused' },
  { what: 'HTTP/1.0 with an invalid escape', bytes: 'GET /demo/%ff HTTP/1.0\r\n\r\n', expected: 400 },
  { what: 'request line with extra words', bytes: 'GET /demo/ HTTP/1.1 please\r\nHost: x\r\n\r\n', expected: 'refused' },
  { what: 'unknown method token', bytes: 'BREW /demo/ HTTP/1.1\r\nHost: x\r\n\r\n', expected: 'refused' },
  { what: 'HTTP/9.9', bytes: 'GET /demo/ HTTP/9.9\r\nHost: x\r\n\r\n', expected: 'refused' },
  { what: 'header without a colon', bytes: 'GET /demo/ HTTP/1.1\r\nHost x\r\n\r\n', expected: 'refused' },
  { what: 'garbage', bytes: garbage(1, 300), expected: 'refused' },
  { what: 'garbage with CRLFs', bytes: Buffer.concat([garbage(2, 100), Buffer.from('\r\n\r\n'), garbage(3, 100)]), expected: 'refused' },
  { what: 'OPTIONS *', bytes: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', expected: 405 },
  { what: 'DELETE', bytes: 'DELETE /demo/index.html HTTP/1.1\r\nHost: x\r\n\r\n', expected: 405 },
  { what: 'POST with a 10 KB body', bytes: withBody('POST', 10_000), expected: 405 },
  { what: 'PUT with a 1 MB body', bytes: withBody('PUT', 1_000_000), expected: 405 },
  { what: 'POST with a 3 MB body', bytes: withBody('POST', 3_000_000), expected: 'refused' },
  { what: 'GET with a body', bytes: withBody('GET', 5000), expected: 400 },
  {
    what: 'chunked body that never ends',
    bytes: 'POST /demo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    expected: 'refused',
    closeAfterMs: 30,
  },
  { what: 'headers cut short', bytes: 'GET /demo/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', expected: 'refused', closeAfterMs: 20 },
  { what: 'request line cut short', bytes: 'GET /de', expected: 'refused', closeAfterMs: 5 },
];

function check(answer: RawAnswer, expected: Expected, what: string): void {
  if (expected === 'refused') {
    if (answer.status !== undefined) expect(answer.status, what).toBeGreaterThanOrEqual(400);
    if (answer.status !== undefined) expect(answer.status, what).toBeLessThan(500);
  } else {
    expect(answer.status, what).toBe(expected);
  }
  // Nothing from outside the served folders, whatever got through.
  expect(answer.text, what).not.toContain('"@enhance/runtime-web"');
  expect(answer.text, what).not.toContain('root:x:0');
}

describe('npm run demo: the server answers malformed requests and stays up', () => {
  let server: ChildProcess;
  let port: number;
  let stderr = '';

  beforeAll(async () => {
    server = spawn(process.execPath, [SERVE_DEMO, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      server.stdout!.on('data', (chunk) => {
        stdout += chunk;
        const found = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
        if (found) resolve(Number(found[1]));
      });
      server.once('exit', (code) => reject(new Error(`serve-demo exited (${code}) before listening: ${stderr}`)));
    });
  });

  afterAll(() => {
    server?.kill();
  });

  it('a few hundred hostile requests, 8 at a time: each refused with a 4xx (or the connection closed), then GET /demo/ is 200', async () => {
    const rounds = 10;
    const queue = Array.from({ length: rounds }, () => HOSTILE).flat();
    let sent = 0;
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        check(await rawRequest(port, item.bytes, { closeAfterMs: item.closeAfterMs }), item.expected, item.what);
        sent++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(sent).toBe(rounds * HOSTILE.length);

    const page = await rawRequest(port, request('/demo/'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Enhance for ONNX');
    expect(page.text).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect((await rawRequest(port, request('/'))).text).toMatch(/^HTTP\/1\.1 302 [^]*\r\nLocation: \/demo\/\r\n/);
    expect(server.exitCode).toBeNull();
    expect(server.signalCode).toBeNull();
    expect(stderr).toBe('');
  });
});

describe('the demo server never follows a symbolic link out of its folders', () => {
  let scratch: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'enhance-serve-demo-'));
    const served = path.join(scratch, 'served');
    const outside = path.join(scratch, 'outside');
    mkdirSync(path.join(served, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(served, 'index.html'), '<p>inside</p>');
    writeFileSync(path.join(served, 'sub', 'inside.txt'), 'inside text');
    writeFileSync(path.join(outside, 'secret.txt'), 'SECRET OUTSIDE');
    writeFileSync(path.join(outside, 'index.html'), 'SECRET INDEX');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(served, 'link-out.txt'));
    symlinkSync('../outside/secret.txt', path.join(served, 'relative-link-out.txt'));
    symlinkSync(outside, path.join(served, 'folder-out'));
    symlinkSync(path.join(served, 'sub', 'inside.txt'), path.join(served, 'link-in.txt'));
    symlinkSync(path.join(served, 'missing.txt'), path.join(served, 'dangling.txt'));
    // A served folder reached through a link is fine: its files lie inside its real path.
    symlinkSync(served, path.join(scratch, 'served-link'));
    if (spawnSync('mkfifo', [path.join(served, 'pipe.txt')]).status !== 0)
      console.warn('mkfifo not available: the FIFO case is not checked');
    server = createDemoServer({ mounts: { '/site/': path.join(scratch, 'served-link') } });
    port = Number(new URL(await listen(server)).port);
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each([
    ['/site/link-out.txt', 404],
    ['/site/relative-link-out.txt', 404],
    ['/site/folder-out/secret.txt', 404],
    ['/site/folder-out/', 404],
    ['/site/dangling.txt', 404],
    ['/site/pipe.txt', 404],
    ['/site/link-in.txt', 200],
    ['/site/sub/inside.txt', 200],
    ['/site/', 200],
  ])('%s → %d', async (target, status) => {
    const answer = await rawRequest(port, request(target));
    expect(answer.status).toBe(status);
    expect(answer.text).not.toContain('SECRET');
    if (status === 200) expect(answer.text).toMatch(/inside/);
  });
});
