// @ts-check
// A small static server for the demo page and the browser bundle. It sends the headers that make the page
// cross-origin isolated (COOP/COEP: onnxruntime-web's WebAssembly threads need SharedArrayBuffer) and the
// MIME types browsers insist on for .wasm (streaming compilation) and .mjs (module scripts).
//
//   node packages/runtime-web/scripts/serve-demo.mjs [--port 8080] [--host 127.0.0.1]
//   then open http://127.0.0.1:8080/  (build the bundle first: npm run build:web -w packages/runtime-web)
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArguments } from '@enhance/core/node';
/** @import { IncomingMessage, Server, ServerResponse } from 'node:http' */

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @type {Readonly<Record<string, string>>} */
export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.fits': 'application/fits',
  '.fts': 'application/fits',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
});

/** Headers that make a page cross-origin isolated; sent with every response, so workers inherit it too. */
export const ISOLATION_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Longer request targets are refused with 414 (Node itself refuses a request line and headers over 16 KiB). */
export const MAX_URL_LENGTH = 2048;

/** A request with a body is refused; up to this many bytes of it are read first (see handle). */
export const MAX_DISCARDED_BODY = 1024 * 1024;

const TEXT = 'text/plain; charset=utf-8';

/**
 * The decoded path of a request target, or the status that refuses it. Checked before any file is
 * looked at: NUL, backslashes, encoded slashes and dot segments (raw or %2e-encoded) have no business in a
 * URL of this server, so they are refused rather than normalised away.
 * @param {string | undefined} target request.url: origin-form, '/path?query'
 * @returns {{ path: string } | { status: number, reason: string }}
 */
export function requestPath(target) {
  if (target === undefined || !target.startsWith('/')) return { status: 400, reason: 'the request target must be a path' };
  if (target.length > MAX_URL_LENGTH) return { status: 414, reason: `URL over ${MAX_URL_LENGTH} characters` };
  const raw = target.split(/[?#]/, 1)[0];
  if (/%(2f|5c|00)/i.test(raw)) return { status: 400, reason: 'encoded slash, backslash or NUL in the path' };
  let path;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { status: 400, reason: 'malformed percent-encoding in the path' };
  }
  if (/[\\\0]/.test(path)) return { status: 400, reason: 'backslash or NUL in the path' };
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return { status: 400, reason: 'dot segments in the path' };
  return { path };
}

/**
 * @param {{ mounts?: Record<string, string>, isolated?: boolean }} [options]
 *   mounts: URL prefix ('/bundle/') → folder; default: /demo/ and /bundle/ of this package.
 *   isolated: send COOP/COEP (default true); false serves a page without threads, for comparison.
 * A request never takes the server down: a malformed one is answered 4xx, a failure 500, a request the
 * HTTP parser rejects 400 (431 for oversized headers), and the socket is closed after every refusal.
 * Files are served only when their real path (symbolic links resolved) lies inside their folder's.
 */
export function createDemoServer({ mounts, isolated = true } = {}) {
  const table = Object.entries(mounts ?? { '/demo/': join(packageRoot, 'demo'), '/bundle/': join(packageRoot, 'bundle') })
    .map(([prefix, folder]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(folder)])
    .sort((a, b) => b[0].length - a[0].length);
  const baseHeaders = { ...(isolated ? ISOLATION_HEADERS : {}), 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

  /**
   * Answers with a short text and closes the connection: whatever else the client sent is not read.
   * @param {ServerResponse} response
   * @param {number} status
   * @param {string} text
   * @param {Record<string, string>} [extra] more headers
   */
  const refuse = (response, status, text, extra = {}) => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, { ...baseHeaders, ...extra, 'Content-Type': TEXT, Connection: 'close' });
    response.end(`${text}\n`);
  };

  /**
   * @param {IncomingMessage} request
   * @param {ServerResponse} response
   */
  async function handle(request, response) {
    const read = request.method === 'GET' || request.method === 'HEAD';
    const hasBody = request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';
    if (!read || hasBody) {
      // The body is read first: closing a connection with unread data resets it, and the reset can take
      // the answer with it before the client reads it. A body over the limit gets 413 and that risk.
      const status = (await discardBody(request)) ? (read ? 400 : 405) : 413;
      const reason =
        status === 413 ? `body over ${MAX_DISCARDED_BODY} bytes` : read ? `a ${request.method} request has no body` : 'method not allowed';
      refuse(response, status, reason, status === 405 ? { Allow: 'GET, HEAD' } : {});
      return;
    }
    // Node's parser takes 'GET /path' without a version for HTTP/0.9; nothing but HTTP/1.x is served here.
    const checked =
      request.httpVersionMajor === 1 ? requestPath(request.url) : { status: 400, reason: `HTTP/${request.httpVersion} is not served` };
    if (!('path' in checked)) {
      refuse(response, checked.status, `bad request: ${checked.reason}`);
      return;
    }
    const { path } = checked;
    const folderWithoutSlash = table.find(([prefix]) => `${path}/` === prefix);
    if (path === '/' || folderWithoutSlash) {
      response.writeHead(302, { ...baseHeaders, Location: folderWithoutSlash?.[0] ?? '/demo/' });
      response.end();
      return;
    }
    const mount = table.find(([prefix]) => path.startsWith(prefix));
    const found = mount && (await servedFile(mount[1], path.slice(mount[0].length)));
    if (!found) {
      refuse(response, 404, `not found: ${path}`);
      return;
    }
    const { handle: file, size, name } = found;
    const type = MIME_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
    response.writeHead(200, { ...baseHeaders, 'Content-Type': type, 'Content-Length': size });
    if (request.method === 'HEAD') {
      await file.close();
      response.end();
      return;
    }
    // pipeline closes the file when the client goes away mid-transfer.
    pipeline(file.createReadStream(), response, () => undefined);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      refuse(response, 500, 'internal error');
      process.emitWarning(`serve-demo: ${request.method} ${JSON.stringify(request.url)}: ${error?.message ?? error}`);
    });
  });
  server.on('clientError', (error, socket) => {
    // Node's parser errors and socket errors carry a code.
    const { code } = /** @type {NodeJS.ErrnoException} */ (error);
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  // A client that trickles its headers is dropped after this long.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  return server;
}

/**
 * Reads and drops a request's body; false when it is longer than MAX_DISCARDED_BODY or cut short.
 * @param {IncomingMessage} request
 * @returns {Promise<boolean>}
 */
function discardBody(request) {
  return new Promise((resolvePromise) => {
    let received = 0;
    request.on('data', (chunk) => {
      received += chunk.length;
      if (received > MAX_DISCARDED_BODY) {
        request.pause();
        resolvePromise(false);
      }
    });
    request.on('end', () => resolvePromise(true));
    request.on('close', () => resolvePromise(request.complete));
  });
}

/**
 * An open regular file for a path under a folder (a folder gives its index.html), or undefined when
 * there is none or its real path leaves the folder's real path (a symbolic link pointing out). `name`
 * is the path asked for, whose extension gives the MIME type.
 * @param {string} folder
 * @param {string} relativePath
 * @returns {Promise<{ handle: import('node:fs/promises').FileHandle, size: number, name: string } | undefined>}
 */
async function servedFile(folder, relativePath) {
  try {
    const root = await realpath(folder);
    let name = resolve(root, `.${sep}${relativePath}`);
    if ((await stat(name)).isDirectory()) name = join(name, 'index.html');
    const real = await realpath(name);
    if (!real.startsWith(root + sep)) return undefined;
    // O_NONBLOCK: opening a FIFO put in the folder would otherwise wait for a writer.
    const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat().catch(() => undefined);
    if (info?.isFile()) return { handle, size: info.size, name };
    await handle.close();
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the server and resolves with its base URL (port 0 picks a free port).
 * @param {Server} server
 * @param {number} [port]
 * @param {string} [host]
 * @returns {Promise<string>}
 */
export function listen(server, port = 0, host = '127.0.0.1') {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise(`http://${host}:${typeof address === 'object' && address ? address.port : port}`);
    });
  });
}

const USAGE = `Usage: npm run demo [-- options]

Serves the demo page and the browser bundle, cross-origin isolated (WebAssembly threads need it).
Build the bundle first: npm run build:web.

  --port N        port to listen on (default 8080; 0 picks a free one)
  --host HOST     address to listen on (default 127.0.0.1)
  -h, --help      this text`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const values = parseScriptArguments('serve-demo', USAGE, {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`serve-demo: --port ${JSON.stringify(values.port)}: expected an integer from 0 to 65535\n`);
    process.exit(2);
  }
  const url = await listen(createDemoServer(), port, values.host);
  console.log(`Enhance demo: ${url}/demo/  (cross-origin isolated; Ctrl-C to stop)`);
}
