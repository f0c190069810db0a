import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { startBrowserFixtures } from '../browser-support/browser-fixtures.js';
import type { BrowserFixtures } from '../browser-support/browser-fixtures.js';
import { fitsBytes, randomModel, testSolarImage } from '../browser-support/test-images.js';
import { card, hduBytes } from '@enhance/test-support';

// What someone opening the demo for the first time meets, in a Chromium without a WebGPU adapter (no
// --enable-unsafe-webgpu): a clean console, WebGPU's absence said in a sentence, every core used, and a
// bad file that replaces the previous result with its error.

/** Everything that would show up red in the console: HTTP errors, failed requests, console errors, uncaught exceptions. */
function watchPage(page: Page): { problems: string[]; messages: string[] } {
  const seen = { problems: [] as string[], messages: [] as string[] };
  page.on('response', (response) => {
    if (response.status() >= 400) seen.problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => seen.problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('pageerror', (error) => seen.problems.push(`uncaught: ${String(error)}`));
  page.on('console', (message) => {
    seen.messages.push(message.text());
    if (message.type() === 'error') seen.problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  return seen;
}

/** Picks the file, presses Enhance and waits for the page to settle; returns the status it settled in. */
async function runDemo(page: Page, file: string): Promise<string | undefined> {
  // Emptied first: picking the file that is already picked fires no 'change'.
  await page.setInputFiles('#file', []);
  await page.setInputFiles('#file', file);
  await page.waitForSelector('body[data-status="loaded"]');
  await page.click('#run');
  await page.waitForSelector('body[data-status="done"], body[data-status="error"]', { timeout: 110_000 });
  return page.evaluate(() => document.body.dataset.status);
}

/** The thread count the enhancer reports, for a page-built result and for the bundle API's default. */
async function reportedThreads(page: Page): Promise<{ demo: number; api: number }> {
  return page.evaluate(async () => {
    const demo = (window as unknown as { enhanceDemo: { state: { result: { threads: number } } } }).enhanceDemo.state.result.threads;
    // Through Function: vitest would rewrite a literal import() in this source before it reaches the page.
    const web = await new Function('url', 'return import(url)')('/bundle/enhance-web.js');
    const enhancer = await web.createEnhancer({ kind: 'intensity', model: '/fixtures/tiny.onnx', device: 'wasm' });
    const api = enhancer.threads as number;
    await enhancer.dispose();
    return { demo, api };
  });
}

describeInChromium('the demo page on first contact (Chromium without a WebGPU adapter)', { unsafeWebGpu: false }, (chromium) => {
  // The block's own server is cross-origin isolated; this second one is not.
  let notIsolated: BrowserFixtures;
  let page: Page;
  let seen: ReturnType<typeof watchPage>;
  let goodFile: string;

  beforeAll(async () => {
    notIsolated = await startBrowserFixtures({ isolated: false });
    const model = randomModel('intensity', { depth: 1, filters: 4 }, 8);
    for (const fixtures of [chromium.fixtures, notIsolated]) fixtures.addFixture('tiny.onnx', model);
    goodFile = chromium.fixtures.addFixture('hmi-like.fits', fitsBytes(testSolarImage('intensity', 32, 24)));
    page = await chromium.browser.newPage();
    seen = watchPage(page);
    await page.goto(`${chromium.fixtures.baseUrl}/demo/?model=/fixtures/tiny.onnx`);
  });

  afterAll(async () => {
    await notIsolated?.close();
  });

  it('a normal run: no 404 and no console error; WebGPU missing is one plain sentence; one WASM thread per core', async () => {
    const cores = await page.evaluate(() => (globalThis.crossOriginIsolated ? navigator.hardwareConcurrency : -1));
    expect(cores, 'the page must be cross-origin isolated').toBeGreaterThan(0);
    const expectedThreads = Math.min(16, cores);
    expect(await page.inputValue('#threads')).toBe(String(expectedThreads));
    expect(await page.inputValue('#device')).toBe('auto');

    expect(await runDemo(page, goodFile)).toBe('done');
    expect(await page.textContent('#device-note')).toBe('WebGPU is not available in this browser; using WebAssembly (CPU).');
    expect(await page.isVisible('#device-note')).toBe(true);
    expect(await page.textContent('#run-info')).toContain(`Ran on wasm (${expectedThreads} WASM thread`);
    expect(await reportedThreads(page)).toEqual({ demo: expectedThreads, api: expectedThreads });
    // No advice to turn on a browser flag: it would only expose the software adapter, far slower than WASM.
    const shown = await page.textContent('body');
    expect(shown?.match(/.{0,60}(flag|enable-unsafe).{0,60}/i)?.[0]).toBeUndefined();
    expect(seen.messages.filter((line) => /flag|enable-unsafe/i.test(line))).toEqual([]);
    expect(seen.problems).toEqual([]);
  });

  it('asking for WebGPU where there is none: the error says so in a sentence and what to pick instead', async () => {
    await page.selectOption('#device', 'webgpu');
    try {
      expect(await runDemo(page, goodFile)).toBe('error');
      expect(await page.textContent('#error')).toBe(
        'WebGPU is not available in this browser; choose auto or WASM to run on the CPU. [DEVICE_UNAVAILABLE]',
      );
    } finally {
      await page.selectOption('#device', 'auto');
    }
  });

  const badFiles: [string, string, Uint8Array, string][] = [
    ['a file that is not FITS', 'notes.fits', new TextEncoder().encode('observing notes, not a FITS file\n'.repeat(100)), 'FITS_NOT_FITS'],
    [
      'a FITS file without an image',
      'header-only.fits',
      hduBytes([card('SIMPLE', true), card('BITPIX', 8), card('NAXIS', 0)]),
      'FITS_NO_IMAGE',
    ],
  ];

  it.each(badFiles)('%s picked after a good run: the previous result is gone and the error is shown', async (_what, name, bytes, code) => {
    expect(await runDemo(page, goodFile)).toBe('done');
    expect(await page.isVisible('#output-canvas')).toBe(true);
    expect(await page.isEnabled('#download-fits')).toBe(true);

    await page.setInputFiles('#file', chromium.fixtures.addFixture(name, bytes));
    await page.waitForSelector('body[data-status="error"]');
    expect(await page.isVisible('#error')).toBe(true);
    expect(await page.textContent('#error')).toContain(`[${code}]`);
    expect(await page.textContent('#error')).toContain(name);
    const left = await page.evaluate(() => {
      const $ = (id: string) => document.getElementById(id)!;
      const { state } = (window as unknown as { enhanceDemo: { state: { input?: unknown; result?: unknown } } }).enhanceDemo;
      const canvas = $('output-canvas') as HTMLCanvasElement;
      return {
        input: state.input === undefined,
        result: state.result === undefined,
        viewsHidden: ($('views') as HTMLElement).hidden,
        outputCanvas: [canvas.width, canvas.height],
        texts: ['run-info', 'output-size', 'contrast-output', 'flux-output', 'file-name', 'device-note'].map(
          (id) => $(id).hidden || $(id).textContent === '',
        ),
        buttons: ['download-fits', 'download-png', 'run'].map((id) => ($(id) as HTMLButtonElement).disabled),
      };
    });
    expect(left).toEqual({
      input: true,
      result: true,
      viewsHidden: true,
      outputCanvas: [0, 0],
      texts: [true, true, true, true, true, true],
      buttons: [true, true, true],
    });
  });

  it('a page that is not cross-origin isolated: one WASM thread, in the field, the run and the API default', async () => {
    const plainPage = await chromium.browser.newPage();
    const plainSeen = watchPage(plainPage);
    try {
      await plainPage.goto(`${notIsolated.baseUrl}/demo/?model=/fixtures/tiny.onnx`);
      expect(await plainPage.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      expect(await plainPage.inputValue('#threads')).toBe('1');
      expect(await runDemo(plainPage, goodFile)).toBe('done');
      expect(await plainPage.textContent('#run-info')).toContain('Ran on wasm (1 WASM thread)');
      expect(await reportedThreads(plainPage)).toEqual({ demo: 1, api: 1 });
      expect(plainSeen.problems).toEqual([]);
    } finally {
      await plainPage.close();
    }
  });
});
