import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module scripts of the runtime-web package (no type declarations)
import { ONNXRUNTIME_WEB_FILES, buildWebBundle } from '../../packages/runtime-web/scripts/build-web.mjs';
// @ts-expect-error see above
import { createDemoServer, listen } from '../../packages/runtime-web/scripts/serve-demo.mjs';

// The bundle and the demo server, checked without a browser.
describe('npm run build:web', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'enhance-web-build-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes one ES module, onnxruntime-web wasm files and the installed models, and never pulls in onnxruntime-node', async () => {
    const models = path.join(scratch, 'models');
    mkdirSync(models);
    writeFileSync(path.join(models, 'enhance-blos-lite.onnx'), new Uint8Array([8, 7]));
    writeFileSync(path.join(models, 'README.txt'), 'not a model');
    const outDir = path.join(scratch, 'bundle');
    const result = await buildWebBundle({ outDir, modelsDir: models });
    expect(result.models).toEqual(['enhance-blos-lite.onnx']);
    const files = readdirSync(outDir).sort();
    expect(files).toEqual(expect.arrayContaining(['enhance-web.js', 'models', ...ONNXRUNTIME_WEB_FILES]));
    expect(files.filter((name: string) => name.endsWith('.js'))).toEqual(['enhance-web.js']);
    const bundle = readFileSync(path.join(outDir, 'enhance-web.js'), 'utf8');
    // (Matches are compared, not the 0.4 MB text, so that a failure prints only the offending piece.)
    expect(bundle.match(/onnxruntime-node|onnxruntime_binding|require\(["']fs["']\)/)?.[0]).toBeUndefined();
    // Bare module specifiers would fail in a page without an import map: everything is inlined.
    expect(bundle.match(/\bimport\s*(?:[\w$*{}\s,]+from\s*)?["'](?![./])[^"']+["']/)?.[0]).toBeUndefined();
    expect(bundle.match(/export\s*\{[^}]*\bcreateEnhancer\b/)).not.toBeNull();
    // The wasm file copied is the one the bundled onnxruntime-web loads.
    expect(bundle.includes('ort-wasm-simd-threaded.jsep')).toBe(true);
    const wasm = readFileSync(path.join(outDir, 'ort-wasm-simd-threaded.jsep.wasm'));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
  });

  it('the runtime-web sources import onnxruntime-web only', () => {
    const folder = path.resolve(import.meta.dirname, '../../packages/runtime-web/src');
    const offenders = readdirSync(folder, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => /from\s+['"]onnxruntime-(node|common)['"]|require\(/.test(readFileSync(path.join(folder, name), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('demo server', () => {
  let server: Server;
  let baseUrl: string;
  const folder = mkdtempSync(path.join(tmpdir(), 'enhance-web-serve-'));

  beforeAll(async () => {
    mkdirSync(path.join(folder, 'site', 'sub'), { recursive: true });
    writeFileSync(path.join(folder, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(path.join(folder, 'site', 'a.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d]));
    writeFileSync(path.join(folder, 'site', 'b.mjs'), 'export {}');
    writeFileSync(path.join(folder, 'site', 'sub', 'c.js'), 'export {}');
    writeFileSync(path.join(folder, 'secret.txt'), 'outside the mount');
    server = createDemoServer({ mounts: { '/site/': path.join(folder, 'site') } });
    baseUrl = await listen(server);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  it('sends COOP/COEP and the MIME types browsers require for wasm and module scripts', async () => {
    for (const [file, type] of [
      ['a.wasm', 'application/wasm'],
      ['b.mjs', 'text/javascript; charset=utf-8'],
      ['sub/c.js', 'text/javascript; charset=utf-8'],
      ['', 'text/html; charset=utf-8'],
    ]) {
      const response = await fetch(`${baseUrl}/site/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
    expect(new Uint8Array(await (await fetch(`${baseUrl}/site/a.wasm`)).arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('answers 404 outside its mounts and never serves files above a mount', async () => {
    expect((await fetch(`${baseUrl}/site/missing.js`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/elsewhere/x`)).status).toBe(404);
    // An encoded slash is refused as malformed before any file is looked at (demo-server.test.ts has the rest).
    const escaped = await fetch(`${baseUrl}/site/..%2Fsecret.txt`);
    expect(escaped.status).toBe(400);
    expect(await escaped.text()).not.toContain('outside the mount');
    expect(existsSync(path.join(folder, 'secret.txt'))).toBe(true);
  });
});
