// A small static server for the demo page and the browser bundle. It sends the headers that make the page
// cross-origin isolated (COOP/COEP: onnxruntime-web's WebAssembly threads need SharedArrayBuffer) and the
// MIME types browsers insist on for .wasm (streaming compilation) and .mjs (module scripts).
//
//   node packages/runtime-web/scripts/serve-demo.mjs [--port 8080] [--host 127.0.0.1]
//   then open http://127.0.0.1:8080/  (build the bundle first: npm run build:web -w packages/runtime-web)
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArguments } from './parse-script-arguments.mjs';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

/**
 * @param {{ mounts?: Record<string, string>, isolated?: boolean }} [options]
 *   mounts: URL prefix ('/bundle/') → folder; default: /demo/ and /bundle/ of this package.
 *   isolated: send COOP/COEP (default true); false serves a page without threads, for comparison.
 */
export function createDemoServer({ mounts, isolated = true } = {}) {
  const table = Object.entries(mounts ?? { '/demo/': join(packageRoot, 'demo'), '/bundle/': join(packageRoot, 'bundle') })
    .map(([prefix, folder]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(folder)])
    .sort((a, b) => b[0].length - a[0].length);
  return createServer(async (request, response) => {
    const headers = { ...(isolated ? ISOLATION_HEADERS : {}), 'Cache-Control': 'no-cache' };
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/') {
      response.writeHead(302, { ...headers, Location: '/demo/' });
      response.end();
      return;
    }
    const mount = table.find(([prefix]) => path.startsWith(prefix) || `${path}/` === prefix);
    if (!mount || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(mount ? 405 : 404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(mount ? 'method not allowed\n' : `not found: ${path}\n`);
      return;
    }
    const [prefix, folder] = mount;
    let file = resolve(folder, `.${sep}${path.slice(prefix.length)}`);
    if (file !== folder && !file.startsWith(folder + sep)) {
      response.writeHead(403, headers);
      response.end();
      return;
    }
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      const type = MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': info.size });
      if (request.method === 'HEAD') response.end();
      else createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`not found: ${path}\n`);
    }
  });
}

/** Starts the server and resolves with its base URL (port 0 picks a free port). */
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
  const values = parseScriptArguments('serve-demo', USAGE, { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`serve-demo: --port ${JSON.stringify(values.port)}: expected an integer from 0 to 65535\n`);
    process.exit(2);
  }
  const url = await listen(createDemoServer(), port, values.host);
  console.log(`Enhance demo: ${url}/demo/  (cross-origin isolated; Ctrl-C to stop)`);
}
