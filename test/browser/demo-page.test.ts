import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFits } from '@enhance/core';
import type { EnhanceKind } from '@enhance/core';
import { createEnhanceModel } from '@enhance/graph-builder';
import { createEnhancer as createNodeEnhancer } from '@enhance/runtime-node';
import { fitsverifyReport, hasFitsverify } from '@enhance/test-support';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { fitsBytes, maxRelativeDifference, randomModel, testSolarImage } from '../browser-support/test-images.js';

const LITE = { depth: 1, filters: 32 };
const SMALL = { depth: 2, filters: 8 };

interface PageResult {
  data: number[];
  width: number;
  height: number;
  device: string;
  threads: number;
  scale: number;
  timeMs: number;
  history: string[];
}

/** Node's result for the same model bytes and FITS bytes: the reference every browser result is held to. */
async function nodeReference(kind: EnhanceKind, model: Uint8Array, fits: Uint8Array) {
  const enhancer = await createNodeEnhancer({ kind, model, device: 'cpu', onWarning: () => undefined });
  try {
    return await enhancer.enhance(readFits(fits));
  } finally {
    await enhancer.dispose();
  }
}

/**
 * Fills the demo's fields, picks the file, presses Enhance and waits for the page to finish. The page is
 * not reloaded between tests: its enhancer worker (and onnxruntime-web's WebAssembly runtime) is reused.
 */
async function enhanceThroughDemo(
  page: Page,
  fields: { model: string; device: string; kind?: EnhanceKind },
  file: string,
): Promise<PageResult> {
  await page.fill('#model-url', fields.model);
  await page.selectOption('#device', fields.device);
  await page.setInputFiles('#file', file);
  await page.waitForSelector('body[data-status="loaded"]');
  if (fields.kind) await page.selectOption('#kind', fields.kind);
  await page.click('#run');
  await page.waitForSelector('body[data-status="done"], body[data-status="error"]', { timeout: 110_000 });
  const error = await page.evaluate(() =>
    document.body.dataset.status === 'error' ? document.getElementById('error')!.textContent : null,
  );
  if (error) throw new Error(`the demo page failed: ${error}`);
  return page.evaluate(() => {
    const { result } = (window as unknown as { enhanceDemo: { state: { result: any } } }).enhanceDemo.state;
    return {
      data: Array.from(result.image.data as Float32Array),
      width: result.image.width,
      height: result.image.height,
      device: result.device,
      threads: result.threads,
      scale: result.scale,
      timeMs: result.timeMs,
      history: result.image.header.history(),
    };
  });
}

describeInChromium('browser runtime in headless Chromium (demo page, bundle, worker)', {}, (chromium) => {
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    page = await chromium.browser.newPage({ acceptDownloads: true });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    await page.goto(`${chromium.fixtures.baseUrl}/demo/?threads=2`);
  });

  it('(a) WASM, 2 threads, cross-origin isolated: the demo page matches runtime-node within 1e-4', async () => {
    const model = randomModel('intensity', LITE, 11);
    const image = testSolarImage('intensity', 64, 48, [0, 65, 64 * 48 - 1]);
    const fits = fitsBytes(image);
    chromium.fixtures.addFixture('intensity-lite.onnx', model);
    const file = chromium.fixtures.addFixture('hmi-like-intensity.fits', fits);
    const [browserResult, reference] = await Promise.all([
      enhanceThroughDemo(page, { model: '/fixtures/intensity-lite.onnx', device: 'wasm', kind: 'intensity' }, file),
      nodeReference('intensity', model, fits),
    ]);
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    expect(browserResult.device).toBe('wasm');
    expect(browserResult.threads).toBe(2);
    expect([browserResult.width, browserResult.height]).toEqual([128, 96]);
    expect(browserResult.scale).toBeCloseTo(reference.scale, 3);
    const { relative, nanMismatches } = maxRelativeDifference(browserResult.data, reference.image.data);
    console.info(`WASM vs onnxruntime-node: max relative difference ${relative.toExponential(2)}`);
    expect(nanMismatches).toBe(0);
    expect(relative).toBeLessThanOrEqual(1e-4);
    // The output really is the 2× image: NaN input pixels give 2×2 NaN blocks, and nowhere else.
    expect(browserResult.data.filter((value) => Number.isNaN(value)).length).toBe(3 * 4);
    expect(browserResult.history.some((line) => line.includes('device wasm'))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it('(b) WebGPU (SwiftShader adapter): a 32×32 image matches runtime-node within 1e-4', async (context) => {
    const adapter = await page.evaluate(async () => {
      if (!('gpu' in navigator)) return { available: false, why: `navigator.gpu is absent (secure context: ${isSecureContext})` };
      const found = await (navigator as any).gpu.requestAdapter();
      if (!found) return { available: false, why: 'navigator.gpu.requestAdapter() returned null (no usable GPU or software Vulkan)' };
      return { available: true, why: `${found.info?.vendor ?? '?'} ${found.info?.architecture ?? '?'}` };
    });
    if (!adapter.available) {
      console.warn(`WebGPU parity not checked: ${adapter.why}`);
      context.skip(`no WebGPU adapter in this Chromium: ${adapter.why}`);
    }
    console.info(`WebGPU adapter: ${adapter.why}`);
    // One block of 4 filters: SwiftShader compiles every WebGPU shader on the CPU.
    const model = randomModel('blos', { depth: 1, filters: 4 }, 5);
    const fits = fitsBytes(testSolarImage('blos', 32, 32, [40]));
    chromium.fixtures.addFixture('blos-tiny.onnx', model);
    const file = chromium.fixtures.addFixture('hmi-like-blos-32.fits', fits);
    const [browserResult, reference] = await Promise.all([
      enhanceThroughDemo(page, { model: '/fixtures/blos-tiny.onnx', device: 'webgpu', kind: 'blos' }, file),
      nodeReference('blos', model, fits),
    ]);
    expect(browserResult.device).toBe('webgpu');
    const { relative, nanMismatches } = maxRelativeDifference(browserResult.data, reference.image.data);
    console.info(
      `WebGPU vs onnxruntime-node: max relative difference ${relative.toExponential(2)} (${browserResult.timeMs.toFixed(0)} ms)`,
    );
    expect(nanMismatches).toBe(0);
    expect(relative).toBeLessThanOrEqual(1e-4);
  });

  it('(c) the user path: pick a magnetogram, enhance, download a valid FITS file and a PNG', async () => {
    const model = randomModel('blos', SMALL, 3);
    const input = testSolarImage('blos', 40, 30, [5, 100]);
    const fits = fitsBytes(input);
    chromium.fixtures.addFixture('blos-small-3.onnx', model);
    const file = chromium.fixtures.addFixture('hmi-like-blos.fits', fits);
    await page.fill('#model-url', '/fixtures/blos-small-3.onnx');
    await page.selectOption('#device', 'wasm');
    await page.selectOption('#kind', 'intensity');
    // The page must recognise the magnetogram from BUNIT.
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-status="loaded"]');
    expect(await page.inputValue('#kind')).toBe('blos');
    await page.click('#run');
    await page.waitForSelector('body[data-status="done"], body[data-status="error"]');
    expect(await page.textContent('#error')).toBe('');
    expect(await page.textContent('#run-info')).toMatch(/^Ran on wasm .* in \d+\.\d\d s/);
    expect(await page.isVisible('#flux-row')).toBe(true);
    expect(await page.isVisible('#contrast-row')).toBe(false);
    expect(await page.textContent('#flux-output')).toMatch(/Mx/);

    const [fitsDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-fits')]);
    expect(fitsDownload.suggestedFilename()).toBe('hmi-like-blos_enhanced.fits');
    const downloaded = readFileSync(await fitsDownload.path());
    const decoded = readFits(new Uint8Array(downloaded), { file: 'downloaded.fits' });
    const reference = await nodeReference('blos', model, fits);
    expect([decoded.width, decoded.height]).toEqual([80, 60]);
    expect(maxRelativeDifference(decoded.data, reference.image.data)).toEqual({ relative: expect.any(Number), nanMismatches: 0 });
    expect(maxRelativeDifference(decoded.data, reference.image.data).relative).toBeLessThanOrEqual(1e-4);
    // The ×2 header: half the plate scale, same world coordinate at the image centre.
    expect(decoded.header.getNumber('CDELT1')).toBeCloseTo(0.252, 10);
    expect(decoded.header.getNumber('CRVAL1')).toBe(120.5);
    expect(decoded.header.history().join('\n')).toMatch(/browser demo/);
    if (hasFitsverify) expect(fitsverifyReport(new Uint8Array(downloaded), 'downloaded.fits')).toBe('');

    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
    const png = readFileSync(await pngDownload.path());
    expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([80, 60]);
  });

  it('the bundle API in the page: progress by tiles, abort between tiles, dispose, installed models next to the bundle', async () => {
    chromium.fixtures.addFixture('intensity-tiny.onnx', randomModel('intensity', { depth: 1, filters: 4 }, 9));
    // An untrained model where the bundle looks for installed ones: found (so fetched from bundle/models/), then refused.
    chromium.fixtures.addBundleModel(
      'enhance-intensity-lite.onnx',
      createEnhanceModel({ kind: 'intensity', architecture: { depth: 1, filters: 4 }, seed: 2 }),
    );
    const outcome = await page.evaluate(async () => {
      // Through Function: vitest would rewrite a literal import() in this source before it reaches the page.
      const web = await new Function('url', 'return import(url)')('/bundle/enhance-web.js');
      const codeOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'resolved',
          (error) => `${error.code}: ${error.message}`,
        );
      const events: string[] = [];
      const enhancer = await web.createEnhancer({
        kind: 'intensity',
        model: '/fixtures/intensity-tiny.onnx',
        device: 'wasm',
        threads: 2,
        tileSize: 16,
        onProgress: (event: { status: string }) => events.push(event.status),
      });
      const image = { data: new Float32Array(48 * 48).fill(1), width: 48, height: 48 };
      const tiles: number[] = [];
      const full = await enhancer.enhance(image, { onProgress: (event: any) => event.status === 'progress' && tiles.push(event.loaded) });
      const controller = new AbortController();
      const aborted = await codeOf(
        enhancer.enhance(image, {
          signal: controller.signal,
          onProgress: (event: any) => event.status === 'progress' && event.loaded === 1 && controller.abort(),
        }),
      );
      await enhancer.dispose();
      const afterDispose = await codeOf(enhancer.enhance(image));
      const installed = await codeOf(web.createEnhancer({ kind: 'intensity', variant: 'lite', device: 'wasm', threads: 2 }));
      const missing = await codeOf(web.createEnhancer({ kind: 'blos', device: 'wasm', threads: 2 }));
      const badDevice = await codeOf(web.createEnhancer({ kind: 'blos', device: 'cuda' as never, threads: 2 }));
      const warnings: string[] = [];
      const automatic = await web.createEnhancer({
        kind: 'intensity',
        model: '/fixtures/intensity-tiny.onnx',
        threads: 2,
        onWarning: (line: string) => warnings.push(line),
      });
      const auto = { device: automatic.device, failures: automatic.deviceFailures, warnings };
      await automatic.dispose();
      return { events, tiles, fullTiles: full.tiles, runIn: enhancer.runIn, aborted, afterDispose, installed, missing, badDevice, auto };
    });
    expect(outcome.runIn).toBe('worker');
    // The enhancer-level callback hears the load, every tile of the first run, then the aborted run's
    // first tiles (how many depends on when the abort message lands) and no 'done'.
    const firstRun = ['loading', 'ready', ...outcome.tiles.map(() => 'progress'), 'done'];
    expect(outcome.events.slice(0, firstRun.length)).toEqual(firstRun);
    const abortedRun = outcome.events.slice(firstRun.length);
    expect(abortedRun.length).toBeGreaterThanOrEqual(2);
    expect(abortedRun.length).toBeLessThan(outcome.fullTiles + 1);
    expect(new Set(abortedRun)).toEqual(new Set(['progress']));
    expect(outcome.fullTiles).toBeGreaterThan(4);
    expect(outcome.tiles).toEqual(Array.from({ length: outcome.fullTiles + 1 }, (_, i) => i));
    expect(outcome.aborted).toBe('ABORTED: enhancement aborted');
    expect(outcome.afterDispose).toBe('ENHANCER_DISPOSED: the enhancer was disposed');
    expect(outcome.installed).toMatch(
      new RegExp(
        `^MODEL_UNTRAINED: ${chromium.fixtures.baseUrl}/bundle/models/enhance-intensity-lite.onnx: the installed model has untrained weights`,
      ),
    );
    expect(outcome.missing).toMatch(
      new RegExp(
        `^MODEL_NOT_INSTALLED: ${chromium.fixtures.baseUrl}/bundle/models/enhance-blos.onnx: no trained blos model \\(full\\) is served here \\(HTTP 404\\)`,
      ),
    );
    // This Chromium's only WebGPU adapter is SwiftShader: 'auto' passes over it, says why, and runs WASM.
    expect(outcome.auto.device).toBe('wasm');
    expect(outcome.auto.failures).toEqual([
      { device: 'webgpu', reason: 'the only WebGPU adapter is a software one (google swiftshader), slower than WASM' },
    ]);
    expect(outcome.auto.warnings.filter((line) => line.startsWith("device 'webgpu' unavailable"))).toHaveLength(1);
    expect(outcome.badDevice).toBe(`DEVICE_UNKNOWN: device "cuda" is not available on web: expected one of 'auto', 'wasm', 'webgpu'`);
  });

  it("keeps the page responsive: the worker run leaves the main thread free; runIn 'main-thread' gives the same image", async () => {
    chromium.fixtures.addFixture('intensity-lite-responsive.onnx', randomModel('intensity', LITE, 4));
    const outcome = await page.evaluate(async () => {
      const web = await new Function('url', 'return import(url)')('/bundle/enhance-web.js');
      const side = 192;
      const image = {
        data: Float32Array.from({ length: side * side }, (_, i) => 1 + 0.05 * Math.sin(i * 0.37)),
        width: side,
        height: side,
      };
      /** Runs the enhancement while a 10 ms timer on this thread records the longest gap between its ticks. */
      const timed = async (runIn: string) => {
        const enhancer = await web.createEnhancer({
          kind: 'intensity',
          model: '/fixtures/intensity-lite-responsive.onnx',
          device: 'wasm',
          threads: 2,
          runIn,
        });
        await enhancer.enhance(image);
        let last = performance.now();
        let longestGap = 0;
        const timer = setInterval(() => {
          const now = performance.now();
          longestGap = Math.max(longestGap, now - last);
          last = now;
        }, 10);
        const started = performance.now();
        const result = await enhancer.enhance(image);
        const runMs = performance.now() - started;
        clearInterval(timer);
        longestGap = Math.max(longestGap, performance.now() - last);
        await enhancer.dispose();
        return { runMs, longestGap, data: result.image.data as Float32Array };
      };
      const worker = await timed('worker');
      const mainThread = await timed('main-thread');
      let largestDifference = 0;
      for (let i = 0; i < worker.data.length; i++)
        largestDifference = Math.max(largestDifference, Math.abs(worker.data[i] - mainThread.data[i]));
      return {
        worker: { runMs: worker.runMs, longestGap: worker.longestGap },
        mainThread: { runMs: mainThread.runMs, longestGap: mainThread.longestGap },
        largestDifference,
      };
    });
    console.info(
      `main-thread gaps during a run: worker ${outcome.worker.longestGap.toFixed(0)} ms of ${outcome.worker.runMs.toFixed(0)} ms; ` +
        `main-thread ${outcome.mainThread.longestGap.toFixed(0)} ms of ${outcome.mainThread.runMs.toFixed(0)} ms`,
    );
    expect(outcome.largestDifference).toBe(0);
    // On the main thread the run blocks the timer for about its whole length; in the worker it does not.
    expect(outcome.mainThread.longestGap).toBeGreaterThan(0.5 * outcome.mainThread.runMs);
    expect(outcome.worker.longestGap).toBeLessThan(0.5 * outcome.worker.runMs);
  });

  it('reports a missing model with its code and URL, raised in the worker and rebuilt on the page', async () => {
    const file = chromium.fixtures.addFixture('tiny.fits', fitsBytes(testSolarImage('intensity', 8, 8)));
    await page.fill('#model-url', '/fixtures/no-such-model.onnx');
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-status="loaded"]');
    await page.click('#run');
    await page.waitForSelector('body[data-status="error"]');
    const text = await page.textContent('#error');
    expect(text).toContain(`${chromium.fixtures.baseUrl}/fixtures/no-such-model.onnx: cannot fetch the model: HTTP 404`);
    expect(text).toContain('[MODEL_NOT_FOUND]');
  });
});
