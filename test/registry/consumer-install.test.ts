// The consumer path end to end: the workspace packages are published (prepack builds them) to an npm
// registry on 127.0.0.1 (test-support's local registry, serving @enhance/* from what was published to it
// and relaying registry.npmjs.org for everything else), then installed by name into empty folders with the README's
// Install commands, and used the way the README says: the `enhance` CLI, the API snippet, the browser
// bundle. Third-party packages (onnxruntime-node, onnxruntime-web...) come from the public registry
// through the proxy; npm uses a cache of its own in the scratch folder, not the user's.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitsHeader, readFits, writeFits } from '@enhance/core';
import { startLocalNpmRegistry, type LocalNpmRegistry } from '@enhance/test-support';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
// The trained models (and the quality check's model) in the repository's models/ are what both packages must carry.
const repositoryModels = readdirSync(path.join(repoRoot, 'models'))
  .filter((name) => name.endsWith('.onnx'))
  .sort();
const PACKAGES = ['@enhance/core', '@enhance/graph-builder', '@enhance/runtime-node', '@enhance/runtime-web', '@enhance/training'];
const MINUTE = 60_000;

let scratch: string | undefined;
let registry: LocalNpmRegistry | undefined;
let npmEnv: NodeJS.ProcessEnv = {};
let appFolder = '';

/** The fenced code block (```lang) that follows `marker` in the README section `heading`. */
function readmeBlock(heading: string, lang: string, marker = ''): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const from = section.indexOf(marker);
  const match = section.slice(from).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (from < 0 || !match)
    throw new Error(`README.md's "## ${heading}" section has no \`\`\`${lang} block${marker ? ` after "${marker}"` : ''}`);
  return match[1];
}

/** The commands of a README sh block, one a line, comments dropped. */
const commandsOf = (block: string) =>
  block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('#'));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the test worker; rejects with its output if it exceeds timeoutMs. */
function run(command: string, args: string[], options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<Outcome> {
  const { cwd, timeoutMs = 3 * MINUTE, env = npmEnv } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) ran past ${timeoutMs / 1000} s\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A command that must succeed; its output is in the failure message otherwise. */
async function ok(command: string, args: string[], options: { cwd: string; timeoutMs?: number }): Promise<Outcome> {
  const outcome = await run(command, args, options);
  if (outcome.code !== 0) {
    throw new Error(
      `\`${[command, ...args].join(' ')}\` in ${options.cwd} exited with ${outcome.code}:\n${outcome.stdout}\n${outcome.stderr}` +
        (registry ? `\nthe registry's last requests:\n${registry.log.slice(-20).join('\n')}` : ''),
    );
  }
  return outcome;
}

const shell = (line: string, cwd: string, timeoutMs?: number) => ok('sh', ['-c', line], { cwd, timeoutMs });

/**
 * The environment of a user's shell: none of the npm_* variables of the `npm test` that runs us, no
 * node_modules/.bin of this repository on PATH (so `npx enhance` can only find the installed one), no
 * ENHANCE_MODELS_DIR (so the installed package's own models are used), and npm configured by files in
 * the scratch folder only.
 */
function consumerEnvironment(folder: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|vitest|node_options$|enhance_models_dir$|init_cwd$)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => !entry.includes(`node_modules${path.sep}.bin`))
    .join(path.delimiter);
  writeFileSync(path.join(folder, 'globalnpmrc'), '');
  env.NPM_CONFIG_GLOBALCONFIG = path.join(folder, 'globalnpmrc');
  env.NPM_CONFIG_USERCONFIG = path.join(folder, 'npmrc');
  env.NPM_CONFIG_CACHE = path.join(folder, 'npm-cache');
  return env;
}

async function cleanUp(): Promise<void> {
  const running = registry;
  registry = undefined;
  await running?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** A small quiet-Sun-like intensity image with a linear WCS, as the CLI and the API read it. */
function smallImage(width: number, height: number) {
  const data = Float32Array.from({ length: width * height }, (_, i) => 50_000 * (1 + 0.04 * Math.sin(i * 0.9) * Math.cos(i * 0.31)));
  const header = new FitsHeader()
    .with('BUNIT', 'DN/s')
    .with('CTYPE1', 'HPLN-TAN')
    .with('CTYPE2', 'HPLT-TAN')
    .with('CRPIX1', width / 2)
    .with('CRPIX2', height / 2)
    .with('CDELT1', 0.504)
    .with('CDELT2', 0.504);
  return { data, width, height, header };
}

async function diskUsageMiB(folder: string): Promise<number> {
  const { stdout } = await ok('du', ['-sk', folder], { cwd: folder });
  return Math.round(Number(stdout.split(/\s/)[0]) / 1024);
}

describe('consumer install from a registry (README "Install")', () => {
  beforeAll(async () => {
    try {
      scratch = mkdtempSync(path.join(tmpdir(), 'enhance-registry-'));
      npmEnv = consumerEnvironment(scratch);
      registry = await startLocalNpmRegistry({ scope: '@enhance' });
      const registryUrl = registry.url;
      const host = registryUrl.replace(/^http:/, '');
      writeFileSync(
        npmEnv.NPM_CONFIG_USERCONFIG!,
        [
          `registry=${registryUrl}`,
          `@enhance:registry=${registryUrl}`,
          `${host}:_authToken=consumer-install-test`,
          'update-notifier=false',
          'fund=false',
          'audit=false',
          '',
        ].join('\n'),
      );
      // Each package's prepack builds what it exports (dist/, runtime-node's models, runtime-web's bundle).
      const published = await ok('npm', ['publish', '--workspaces', '--registry', registryUrl], { cwd: repoRoot, timeoutMs: 4 * MINUTE });
      for (const name of PACKAGES)
        expect(published.stdout + published.stderr, `npm publish --workspaces did not publish ${name}`).toContain(`+ ${name}@`);
      expect(registry.published.map((id) => id.replace(/@[^@]+$/, '')).sort()).toEqual([...PACKAGES].sort());
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }, 6 * MINUTE);

  afterAll(cleanUp, MINUTE);

  it(
    "installs @enhance/runtime-node by name with the README's commands, without onnxruntime-node's install script",
    async () => {
      appFolder = path.join(scratch!, 'app');
      mkdirSync(appFolder);
      await shell('npm init -y', appFolder);
      const commands = commandsOf(readmeBlock('Install', 'sh'));
      expect(commands).toContain('npm install @enhance/runtime-node');
      for (const command of commands) await shell(command, appFolder, 4 * MINUTE);

      const modules = path.join(appFolder, 'node_modules');
      for (const name of ['@enhance/core', '@enhance/runtime-node']) {
        expect(existsSync(path.join(modules, name, 'package.json')), `${name} is installed`).toBe(true);
      }
      // The graph builder is an optional peer (for `enhance convert`), so the runtime carries none of its protobufjs and h5wasm.
      for (const name of ['@enhance/graph-builder', 'protobufjs', 'h5wasm']) {
        expect(existsSync(path.join(modules, name, 'package.json')), `${name} is not installed`).toBe(false);
      }
      const installed = JSON.parse(readFileSync(path.join(modules, '@enhance/runtime-node/package.json'), 'utf8')) as { version: string };
      expect(installed.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'packages/runtime-node/package.json'), 'utf8')).version);
      // onnxruntime-node's postinstall would have fetched its CUDA provider from outside the registry.
      const ortBin = path.join(modules, 'onnxruntime-node/bin/napi-v6', process.platform, process.arch);
      expect(existsSync(ortBin), `${ortBin} holds onnxruntime-node's CPU binaries`).toBe(true);
      expect(readdirSync(ortBin).filter((name) => name.includes('providers_cuda'))).toEqual([]);
      // The trained models travel in the package.
      expect(
        readdirSync(path.join(modules, '@enhance/runtime-node/models'))
          .filter((name) => name.endsWith('.onnx'))
          .sort(),
      ).toEqual(repositoryModels);

      const total = await diskUsageMiB(modules);
      const onnxruntime = await diskUsageMiB(path.join(modules, 'onnxruntime-node'));
      console.log(`installed @enhance/runtime-node: node_modules ${total} MiB, of which onnxruntime-node ${onnxruntime} MiB`);
    },
    5 * MINUTE,
  );

  it(
    'runs `npx enhance run in.fits -o out.fits --kind intensity --lite`: the output has twice the size',
    async () => {
      expect(appFolder, 'the install test ran').not.toBe('');
      writeFileSync(path.join(appFolder, 'in.fits'), writeFits(smallImage(24, 20)));
      await ok('npx', ['enhance', 'run', 'in.fits', '-o', 'out.fits', '--kind', 'intensity', '--lite'], {
        cwd: appFolder,
        timeoutMs: 2 * MINUTE,
      });
      const out = readFits(readFileSync(path.join(appFolder, 'out.fits')), { file: 'out.fits' });
      expect([out.width, out.height]).toEqual([48, 40]);
      expect(out.data.every(Number.isFinite)).toBe(true);
    },
    3 * MINUTE,
  );

  it(
    "runs the README's API snippet as an .mjs file",
    async () => {
      expect(appFolder, 'the install test ran').not.toBe('');
      writeFileSync(path.join(appFolder, 'api.mjs'), readmeBlock('API', 'ts'));
      writeFileSync(path.join(appFolder, 'hmi.fits'), writeFits(smallImage(40, 32)));
      const { stdout } = await ok(process.execPath, ['api.mjs'], { cwd: appFolder, timeoutMs: 2 * MINUTE });
      expect(stdout).toMatch(/^cpu \d+ \d/m);
      const enhanced = readFits(readFileSync(path.join(appFolder, 'enhanced.fits')), { file: 'enhanced.fits' });
      expect([enhanced.width, enhanced.height]).toEqual([80, 64]);
    },
    3 * MINUTE,
  );

  it('is ESM only: require() is refused, import works', async () => {
    expect(appFolder, 'the install test ran').not.toBe('');
    const required = await run(process.execPath, ['-e', "require('@enhance/runtime-node')"], { cwd: appFolder });
    expect(required.code).not.toBe(0);
    expect(required.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it(
    'installs @enhance/runtime-web by name: the browser bundle export resolves to an ES module with its wasm files and models beside it',
    async () => {
      const folder = path.join(scratch!, 'web-app');
      mkdirSync(folder);
      await shell('npm init -y', folder);
      await shell('npm install @enhance/runtime-web', folder, 4 * MINUTE);
      expect(existsSync(path.join(folder, 'node_modules/onnxruntime-node')), 'runtime-web does not pull in onnxruntime-node').toBe(false);

      const probe = [
        "const url = import.meta.resolve('@enhance/runtime-web/enhance-web.js');",
        'const bundle = await import(url);',
        "const main = await import('@enhance/runtime-web');",
        'console.log(JSON.stringify({ url, bundle: typeof bundle.createEnhancer, main: typeof main.createEnhancer }));',
      ].join('\n');
      const { stdout } = await ok(process.execPath, ['--input-type=module', '-e', probe], { cwd: folder });
      const found = JSON.parse(stdout.trim().split('\n').at(-1)!) as { url: string; bundle: string; main: string };
      expect(found).toMatchObject({ bundle: 'function', main: 'function' });
      const bundle = new URL(found.url).pathname;
      expect(path.basename(bundle)).toBe('enhance-web.js');
      const beside = path.dirname(bundle);
      const wasm = readFileSync(path.join(beside, 'ort-wasm-simd-threaded.jsep.wasm'));
      expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
      expect(statSync(path.join(beside, 'ort-wasm-simd-threaded.jsep.mjs')).size).toBeGreaterThan(0);
      expect(
        readdirSync(path.join(beside, 'models'))
          .filter((name) => name.endsWith('.onnx'))
          .sort(),
      ).toEqual(repositoryModels);

      const total = await diskUsageMiB(path.join(folder, 'node_modules'));
      console.log(`installed @enhance/runtime-web: node_modules ${total} MiB`);
    },
    5 * MINUTE,
  );
});
