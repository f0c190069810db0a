import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/*
 * A local npm registry for the consumer-install test: `npm publish` puts the packages of one scope into
 * memory, `npm install` gets them back by name, and every other request goes on to an upstream
 * registry (registry.npmjs.org), so third-party packages come from where a user's come from. It speaks
 * the part of the registry protocol those two commands use: PUT /<name> with the packument and its
 * base64 tarballs, GET /<name> (the packument), GET /<name>/-/<file>.tgz (a tarball).
 */

export interface LocalNpmRegistry {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:40123/ */
  readonly url: string;
  /** `name@version` of everything published, in order. */
  readonly published: readonly string[];
  /** One line per request: method, path, status (for a failing test's message). */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export interface LocalNpmRegistryOptions {
  /** Packages of this scope (e.g. '@enhance') are served from what was published here, never from upstream. */
  scope: string;
  /** Where everything else comes from (default https://registry.npmjs.org/). */
  upstream?: string;
}

interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, { dist?: { tarball?: string } } & Record<string, unknown>>;
  time: Record<string, string>;
  [key: string]: unknown;
}

interface PublishBody {
  name?: string;
  'dist-tags'?: Record<string, string>;
  versions?: Packument['versions'];
  _attachments?: Record<string, { data?: string }>;
  [key: string]: unknown;
}

const MAX_BODY_BYTES = 256 * 1024 * 1024;

export async function startLocalNpmRegistry(options: LocalNpmRegistryOptions): Promise<LocalNpmRegistry> {
  const scope = options.scope.replace(/\/$/, '');
  const upstream = new URL(options.upstream ?? 'https://registry.npmjs.org/');
  const packuments = new Map<string, Packument>();
  const tarballs = new Map<string, Uint8Array>();
  const published: string[] = [];
  const log: string[] = [];
  let base = '';

  const send = (response: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.end(text);
    return status;
  };

  const readBody = async (request: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };

  /** npm publish: the packument with one new version and its tarball, base64. */
  const publish = async (name: string, request: IncomingMessage, response: ServerResponse) => {
    if (!request.headers.authorization) return send(response, 401, { error: 'publishing needs a token' });
    let body: PublishBody;
    try {
      body = JSON.parse((await readBody(request)).toString('utf8')) as PublishBody;
    } catch (error) {
      return send(response, 400, { error: `the body is not a packument: ${String(error)}` });
    }
    if (body.name !== name) return send(response, 400, { error: `the body names ${String(body.name)}, the path ${name}` });
    const existing = packuments.get(name);
    const versions = Object.entries(body.versions ?? {});
    if (versions.length === 0) return send(response, 400, { error: 'no version to publish' });
    const packument: Packument = existing ?? { name, 'dist-tags': {}, versions: {}, time: {} };
    const unpacked: [string, Uint8Array][] = [];
    for (const [version, manifest] of versions) {
      if (packument.versions[version]) return send(response, 409, { error: `${name}@${version} is already published` });
      const tarball = manifest.dist?.tarball;
      const file = tarball ? decodeURIComponent(new URL(tarball).pathname.split('/').at(-1) ?? '') : '';
      const attachment = Object.entries(body._attachments ?? {}).find(([key]) => key.split('/').at(-1) === file)?.[1];
      if (!file || !attachment?.data) return send(response, 400, { error: `no tarball attached for ${name}@${version}` });
      unpacked.push([`${name}/-/${file}`, Buffer.from(attachment.data, 'base64')]);
      packument.versions[version] = { ...manifest, dist: { ...manifest.dist, tarball: `${base}${name}/-/${file}` } };
      packument.time[version] = new Date().toISOString();
      published.push(`${name}@${version}`);
    }
    for (const [key, bytes] of unpacked) tarballs.set(key, bytes);
    Object.assign(packument['dist-tags'], body['dist-tags'] ?? {});
    packuments.set(name, packument);
    return send(response, 201, { ok: true, id: name });
  };

  /** Anything not ours: the same request to upstream, its answer relayed (decoded: no content-encoding). */
  const relay = async (request: IncomingMessage, response: ServerResponse) => {
    const target = new URL(request.url ?? '/', upstream);
    const headers: Record<string, string> = {};
    for (const key of ['accept', 'user-agent', 'npm-command']) {
      const value = request.headers[key];
      if (typeof value === 'string') headers[key] = value;
    }
    const answer = await fetch(target, { headers, redirect: 'follow' });
    const passed: Record<string, string> = {};
    for (const key of ['content-type', 'etag', 'last-modified', 'cache-control']) {
      const value = answer.headers.get(key);
      if (value) passed[key] = value;
    }
    response.writeHead(answer.status, passed);
    if (!answer.body) {
      response.end();
      return answer.status;
    }
    await new Promise<void>((resolve, reject) => {
      // 'close' comes after the last byte, or when npm hangs up first.
      response.on('close', resolve);
      Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream)
        .on('error', reject)
        .pipe(response);
    });
    return answer.status;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // '/@scope%2fname', '/@scope/name' or '/@scope/name/-/name-1.0.0.tgz'
    const decoded = decodeURIComponent(path.slice(1));
    const ours = decoded.startsWith(`${scope}/`);
    if (!ours) {
      if (request.method === 'GET' || request.method === 'HEAD') return relay(request, response);
      return send(response, 403, { error: `only ${scope}/* can be published here` });
    }
    const [name, tarball] = decoded.split('/-/');
    if (request.method === 'PUT' && tarball === undefined) return publish(name, request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: `${request.method} is not served` });
    if (tarball !== undefined) {
      const bytes = tarballs.get(`${name}/-/${tarball}`);
      if (!bytes) return send(response, 404, { error: `no tarball ${decoded}` });
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      response.end(bytes);
      return 200;
    }
    const packument = packuments.get(name);
    return packument ? send(response, 200, packument) : send(response, 404, { error: `${name} is not published here` });
  };

  const server = createServer((request, response) => {
    handle(request, response).then(
      (status) => log.push(`${request.method} ${request.url} ${status}`),
      (error: unknown) => {
        log.push(`${request.method} ${request.url} failed: ${String(error)}`);
        if (!response.headersSent) send(response, 502, { error: String(error) });
        else response.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    published,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
