import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNpmRegistry, type LocalNpmRegistry } from './local-npm-registry.js';

/** The body `npm publish` sends: the packument with one version and its tarball, base64. */
function publishBody(registry: string, name: string, version: string, tarball: Uint8Array) {
  const file = `${name.split('/')[1]}-${version}.tgz`;
  return {
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        name,
        version,
        dist: {
          shasum: createHash('sha1').update(tarball).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          tarball: `${registry}${name}/-/${file}`,
        },
      },
    },
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: Buffer.from(tarball).toString('base64'),
        length: tarball.length,
      },
    },
  };
}

describe('startLocalNpmRegistry', () => {
  let registry: LocalNpmRegistry;
  // A stand-in for registry.npmjs.org that answers gzip-encoded, as the real one does.
  const upstream = createServer((request, response) => {
    const body = gzipSync(JSON.stringify({ name: 'left-pad', path: request.url, accept: request.headers.accept ?? null }));
    response.writeHead(request.url === '/left-pad' ? 200 : 404, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    response.end(body);
  });
  const tarball = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
  const put = (name: string, body: unknown, token = true) =>
    fetch(`${registry.url}${name.replace('/', '%2f')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer t' } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    registry = await startLocalNpmRegistry({ scope: '@demo', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/` });
  });
  afterAll(async () => {
    await registry.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('serves a published package back by name, its tarball byte for byte', async () => {
    expect((await put('@demo/core', publishBody(registry.url, '@demo/core', '1.0.0', tarball))).status).toBe(201);
    const packument = (await (await fetch(`${registry.url}@demo%2fcore`)).json()) as {
      'dist-tags': { latest: string };
      versions: Record<string, { dist: { tarball: string; shasum: string } }>;
    };
    expect(packument['dist-tags'].latest).toBe('1.0.0');
    const { dist } = packument.versions['1.0.0'];
    expect(dist.tarball).toBe(`${registry.url}@demo/core/-/core-1.0.0.tgz`);
    const bytes = new Uint8Array(await (await fetch(dist.tarball)).arrayBuffer());
    expect(bytes).toEqual(tarball);
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(dist.shasum);
    expect(registry.published).toEqual(['@demo/core@1.0.0']);
  });

  it('adds a second version beside the first, and refuses the same version twice', async () => {
    expect((await put('@demo/core', publishBody(registry.url, '@demo/core', '1.1.0', tarball))).status).toBe(201);
    const packument = (await (await fetch(`${registry.url}@demo/core`)).json()) as { versions: object; 'dist-tags': { latest: string } };
    expect(Object.keys(packument.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(packument['dist-tags'].latest).toBe('1.1.0');
    expect((await put('@demo/core', publishBody(registry.url, '@demo/core', '1.1.0', tarball))).status).toBe(409);
  });

  it('refuses a publish without a token, outside its scope, or without its tarball', async () => {
    expect((await put('@demo/web', publishBody(registry.url, '@demo/web', '1.0.0', tarball), false)).status).toBe(401);
    expect((await put('left-pad', publishBody(registry.url, '@demo/x', '1.0.0', tarball))).status).toBe(403);
    const body = publishBody(registry.url, '@demo/web', '1.0.0', tarball);
    body._attachments = {};
    expect((await put('@demo/web', body)).status).toBe(400);
    expect((await fetch(`${registry.url}@demo%2fweb`)).status).toBe(404);
  });

  it('relays every other package from upstream, decoded, with the Accept header npm sent', async () => {
    const accept = 'application/vnd.npm.install-v1+json';
    const answer = await fetch(`${registry.url}left-pad`, { headers: { accept } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ name: 'left-pad', path: '/left-pad', accept });
    expect((await fetch(`${registry.url}no-such-package`)).status).toBe(404);
    // The scope never falls through to upstream.
    expect((await fetch(`${registry.url}@demo%2fnone`)).status).toBe(404);
  });
});
