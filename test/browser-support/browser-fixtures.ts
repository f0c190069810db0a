import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain ES module scripts of the runtime-web package (no type declarations)
import { buildWebBundle } from '../../packages/runtime-web/scripts/build-web.mjs';
// @ts-expect-error see above
import { createDemoServer, listen } from '../../packages/runtime-web/scripts/serve-demo.mjs';

const demoFolder = fileURLToPath(new URL('../../packages/runtime-web/demo/', import.meta.url));

export interface BrowserFixtures {
  /** http://127.0.0.1:PORT, serving /demo/, /bundle/ (built for this run) and /fixtures/. */
  baseUrl: string;
  fixturesFolder: string;
  /** Writes a file under /fixtures/ and returns its path on disk. */
  addFixture(name: string, bytes: Uint8Array): string;
  /** Writes a model where the bundle looks for installed models (/bundle/models/). */
  addBundleModel(name: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Builds the bundle into a scratch folder (so parallel runs never share one) and serves it with the demo. */
export async function startBrowserFixtures({ isolated = true }: { isolated?: boolean } = {}): Promise<BrowserFixtures> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'enhance-web-test-'));
  const bundleFolder = path.join(scratch, 'bundle');
  const fixturesFolder = path.join(scratch, 'fixtures');
  mkdirSync(fixturesFolder);
  await buildWebBundle({ outDir: bundleFolder, models: false, minify: false });
  const server: Server = createDemoServer({
    isolated,
    mounts: { '/demo/': demoFolder, '/bundle/': bundleFolder, '/fixtures/': fixturesFolder },
  });
  const baseUrl: string = await listen(server);
  return {
    baseUrl,
    fixturesFolder,
    addFixture(name, bytes) {
      const file = path.join(fixturesFolder, name);
      writeFileSync(file, bytes);
      return file;
    },
    addBundleModel(name, bytes) {
      mkdirSync(path.join(bundleFolder, 'models'), { recursive: true });
      writeFileSync(path.join(bundleFolder, 'models', name), bytes);
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
