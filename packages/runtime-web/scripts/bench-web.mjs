// @ts-check
// Node vs browser timing of the same model on the same image: onnxruntime-node (CPU) through
// @enhance/runtime-node, and the enhance-web.js bundle in headless Chromium (WASM, cross-origin
// isolated, in its worker). Not a test: run it by hand and read the table.
//
//   node packages/runtime-web/scripts/bench-web.mjs [--size 400] [--threads 2] [--repeats 3] [--variants lite,full] [--precisions fp32,int8] [--fold-batch-norm]
//
// Needs the built packages (npm run build) and /usr/bin/chromium. Uses the trained models in models/
// when present, else random-weight networks of the same architecture (timing does not depend on weights).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArguments } from '@enhance/core/node';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = resolve(packageRoot, '..', '..');
const USAGE = `Usage: npm run bench:web [-- options]

Times the same model on the same image in Node (onnxruntime-node, CPU) and in headless Chromium (the
enhance-web.js bundle, WASM, cross-origin isolated); prints a table. Needs npm run build and /usr/bin/chromium.

  --size 400              image side in pixels
  --threads 2             threads on each side
  --repeats 3             timed runs after one warm-up (the median is reported)
  --variants lite,full    models: the trained ones in models/, else random weights of that size
  --precisions fp32,int8  fp32, and int8 where models/ has the quantised model (npm run quantize)
  --fold-batch-norm       random-weight models with batch norm folded into the convolutions
  -h, --help              this text`;

const values = parseScriptArguments('bench-web', USAGE, {
  size: { type: 'string', default: '400' },
  threads: { type: 'string', default: '2' },
  repeats: { type: 'string', default: '3' },
  variants: { type: 'string', default: 'lite,full' },
  precisions: { type: 'string', default: 'fp32,int8' },
  'fold-batch-norm': { type: 'boolean', default: false },
});
// Loaded after the command line is read, so that --help needs neither a build nor a browser.
const { chromium } = await import('playwright-core');
const { createEnhancer, modelFileName } = await import('@enhance/runtime-node');
const { createEnhanceModel } = await import('@enhance/graph-builder');
const { buildWebBundle } = await import('./build-web.mjs');
const { createDemoServer, listen } = await import('./serve-demo.mjs');

const size = Number(values.size);
const threads = Number(values.threads);
const repeats = Number(values.repeats);
const variants = values.variants.split(',');
const precisions = values.precisions.split(',');
// Checked like --precisions: modelFileName reads any name but 'full' as 'lite', so a typo would bench the lite model.
if (!variants.every(isVariant)) {
  process.stderr.write(
    `bench-web: --variants ${JSON.stringify(values.variants)}: expected lite, full (bench-web --help lists the options)\n`,
  );
  process.exit(2);
}
if (!precisions.every(isPrecision)) {
  process.stderr.write(
    `bench-web: --precisions ${JSON.stringify(values.precisions)}: expected fp32, int8 (bench-web --help lists the options)\n`,
  );
  process.exit(2);
}

/**
 * @param {string} name
 * @returns {name is import('@enhance/runtime-node').ModelVariant}
 */
function isVariant(name) {
  return name === 'lite' || name === 'full';
}

/**
 * @param {string} name
 * @returns {name is import('@enhance/runtime-node').ModelPrecision}
 */
function isPrecision(name) {
  return name === 'fp32' || name === 'int8';
}

/**
 * Granulation-like ripples with noise around 1 (normalised continuum).
 * @param {number} width
 * @param {number} height
 */
function benchImage(width, height) {
  let state = 2024;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const x = i % width;
    const y = Math.floor(i / width);
    data[i] = 1 + 0.04 * Math.sin(0.9 * x) * Math.cos(0.7 * y) + 0.02 * (state / 2 ** 32 - 0.5);
  }
  return { data, width, height };
}

/** @param {number[]} numbers */
const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];

const scratch = mkdtempSync(join(tmpdir(), 'enhance-bench-web-'));
const bundleFolder = join(scratch, 'bundle');
const modelFolder = join(scratch, 'models');
/**
 * One line of the table.
 * @typedef {{ variant: string, precision: string, model: string, nodeMs: number, browserMs: number, browserThreads: number,
 *   isolated: boolean, device: string, workerStartMs: number }} BenchRow
 */
/** @type {BenchRow[]} */
const rows = [];
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('node:http').Server | undefined} */
let server;
try {
  await buildWebBundle({ outDir: bundleFolder, models: false });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(modelFolder);
  /** @type {Record<string, { variant: string, precision: string, bytes: Uint8Array, origin: string }>} */
  const models = {};
  for (const variant of variants) {
    for (const precision of precisions) {
      const trained = join(repositoryRoot, 'models', modelFileName('intensity', variant, precision));
      if (precision === 'int8' && !existsSync(trained)) {
        console.log(`(no ${trained}: int8 ${variant} left out; npm run quantize writes it)`);
        continue;
      }
      const bytes = existsSync(trained)
        ? new Uint8Array(readFileSync(trained))
        : createEnhanceModel({ kind: 'intensity', architecture: variant, seed: 1, foldBatchNorm: values['fold-batch-norm'] });
      writeFileSync(join(modelFolder, `${variant}-${precision}.onnx`), bytes);
      models[`${variant}-${precision}`] = {
        variant,
        precision,
        bytes,
        origin: existsSync(trained) ? trained : `random weights (${variant}${values['fold-batch-norm'] ? ', batch norm folded' : ''})`,
      };
    }
  }
  const image = benchImage(size, size);

  server = createDemoServer({ mounts: { '/demo/': join(packageRoot, 'demo'), '/bundle/': bundleFolder, '/bench-models/': modelFolder } });
  const baseUrl = await listen(server);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/demo/`);

  for (const [key, { variant, precision }] of Object.entries(models)) {
    const nodeEnhancer = await createEnhancer({
      kind: 'intensity',
      model: models[key].bytes,
      device: 'cpu',
      threads,
      onWarning: () => undefined,
    });
    await nodeEnhancer.enhance(image);
    const nodeTimes = [];
    for (let i = 0; i < repeats; i++) nodeTimes.push((await nodeEnhancer.enhance(image)).timeMs);
    await nodeEnhancer.dispose();

    const web = await page.evaluate(
      async ({ key, size, threads, repeats, data, bundleUrl }) => {
        // In the page, where the demo server serves the bundle; typed from the entry it is built from.
        /** @type {typeof import('../dist/bundle-entry.js')} */
        const { createEnhancer: createWebEnhancer } = await import(bundleUrl);
        const started = performance.now();
        const enhancer = await createWebEnhancer({
          kind: 'intensity',
          model: `/bench-models/${key}.onnx`,
          device: 'wasm',
          threads,
          onWarning: () => undefined,
        });
        const createMs = performance.now() - started;
        const input = { data: Float32Array.from(data), width: size, height: size };
        await enhancer.enhance(input);
        const times = [];
        for (let i = 0; i < repeats; i++) times.push((await enhancer.enhance(input)).timeMs);
        const result = { times, createMs, threads: enhancer.threads, device: enhancer.device, isolated: globalThis.crossOriginIsolated };
        await enhancer.dispose();
        return result;
      },
      { key, size, threads, repeats, data: Array.from(image.data), bundleUrl: '/bundle/enhance-web.js' },
    );
    rows.push({
      variant,
      precision,
      model: models[key].origin,
      nodeMs: median(nodeTimes),
      browserMs: median(web.times),
      browserThreads: web.threads,
      isolated: web.isolated,
      device: web.device,
      workerStartMs: web.createMs,
    });
  }
} finally {
  await browser?.close();
  server?.close();
  rmSync(scratch, { recursive: true, force: true });
}

console.log(`Enhance ${size}×${size}, intensity, median of ${repeats} runs after one warm-up; ${threads} threads each side`);
console.log('variant | precision | Node CPU (ms) | browser WASM (ms) | browser/Node | browser threads | isolated | model');
for (const row of rows) {
  console.log(
    `${row.variant} | ${row.precision} | ${row.nodeMs.toFixed(0)} | ${row.browserMs.toFixed(0)} | ${(row.browserMs / row.nodeMs).toFixed(2)} | ${row.browserThreads} | ${row.isolated} | ${row.model}`,
  );
}
for (const int8 of rows.filter((row) => row.precision === 'int8')) {
  const fp32 = rows.find((row) => row.precision === 'fp32' && row.variant === int8.variant);
  if (fp32)
    console.log(
      `${int8.variant}: int8 ${(fp32.nodeMs / int8.nodeMs).toFixed(2)}× as fast as fp32 in Node, ${(fp32.browserMs / int8.browserMs).toFixed(2)}× in the browser; browser int8 vs Node fp32 ${(int8.browserMs / fp32.nodeMs).toFixed(2)}`,
    );
}
console.log(`(first enhancer in the page, worker and WebAssembly start included: ${rows[0]?.workerStartMs.toFixed(0)} ms)`);
