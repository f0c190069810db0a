// @ts-check
// Builds the browser bundle: bundle/enhance-web.js (one ES module: the runtime, core, onnxruntime-web,
// and its own worker), onnxruntime-web's wasm files next to it, and the trained models found in the
// repository's models/ folder under bundle/models/.
//
//   node packages/runtime-web/scripts/build-web.mjs [--out DIR] [--no-models] [--no-minify]
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseScriptArguments } from '@enhance/core/node';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = resolve(packageRoot, '..', '..');

/** The onnxruntime-web files the bundle loads at run time (the WebGPU + WASM build, 'JSEP'). */
export const ONNXRUNTIME_WEB_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

export const DEFAULT_BUNDLE_DIRECTORY = join(packageRoot, 'bundle');

/**
 * @param {{ outDir?: string, models?: boolean, minify?: boolean, modelsDir?: string }} [options]
 * @returns {Promise<{ outDir: string, bundle: string, models: string[] }>}
 */
export async function buildWebBundle({
  outDir = DEFAULT_BUNDLE_DIRECTORY,
  models = true,
  minify = true,
  modelsDir = join(repositoryRoot, 'models'),
} = {}) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, 'enhance-web.js');
  await build({
    entryPoints: [join(packageRoot, 'src', 'bundle-entry.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // onnxruntime-web's build that loads its .mjs/.wasm from ort.env.wasm.wasmPaths instead of inlining
    // the loader; its pthread workers then start from that small file, not from this bundle.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    alias: {
      '@enhance/core': join(repositoryRoot, 'packages', 'core', 'src', 'index.ts'),
    },
    minify,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
  for (const name of ONNXRUNTIME_WEB_FILES) await copyFile(join(ortDist, name), join(outDir, name));
  const copied = [];
  if (models) {
    const names = await readdir(modelsDir).catch(() => []);
    // The quality check's model and reference travel with the networks.
    for (const name of names.filter((file) => file.endsWith('.onnx') || file === 'qa-reference.json')) {
      await mkdir(join(outDir, 'models'), { recursive: true });
      await copyFile(join(modelsDir, name), join(outDir, 'models', name));
      copied.push(name);
    }
  }
  return { outDir, bundle, models: copied };
}

const USAGE = `Usage: npm run build:web [-- options]

Builds the browser bundle: enhance-web.js (runtime, core, onnxruntime-web and its own worker in one ES
module), onnxruntime-web's wasm files next to it, and the trained models of models/ under models/.

  --out DIR       where to build (default packages/runtime-web/bundle)
  --no-models     leave the models out
  --no-minify     readable output
  -h, --help      this text`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const values = parseScriptArguments('build-web', USAGE, {
    out: { type: 'string' },
    'no-models': { type: 'boolean', default: false },
    'no-minify': { type: 'boolean', default: false },
  });
  const result = await buildWebBundle({
    outDir: values.out === undefined ? undefined : resolve(values.out),
    models: !values['no-models'],
    minify: !values['no-minify'],
  });
  console.log(
    `built ${result.bundle} (+ ${ONNXRUNTIME_WEB_FILES.join(', ')}; models: ${result.models.join(', ') || 'none found in models/'})`,
  );
}
