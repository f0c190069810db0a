import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { fitsBytes, randomModel, testSolarImage } from '../browser-support/test-images.js';
import { card, concat, hduBytes } from '@enhance/test-support';

// The demo decodes FITS files in a worker: a file that sends the decoder into an endless loop costs a
// worker, stopped after the page's timeout, and never the tab. The page answers all the while.

/**
 * A good image followed by an extension whose NAXIS1 is -2880: the HDU walk's next offset is the
 * extension's own header, which a reader without a check on axis lengths walks for ever.
 */
function endlessHduWalk(): Uint8Array {
  return concat([
    fitsBytes(testSolarImage('intensity', 16, 16)),
    hduBytes([
      card('XTENSION', "'IMAGE   '"),
      card('BITPIX', 8),
      card('NAXIS', 1),
      card('NAXIS1', -2880),
      card('PCOUNT', 0),
      card('GCOUNT', 1),
    ]),
  ]);
}

/**
 * Picks the file and, until the page settles, measures how long the main thread takes to answer: the
 * longest page.evaluate round trip and the longest gap of a 10 ms timer in the page.
 */
async function pickAndWatch(
  page: Page,
  file: string,
): Promise<{ status: string; error: string; longestRoundTripMs: number; longestTimerGapMs: number; settledMs: number }> {
  await page.evaluate(() => {
    const watch = { last: performance.now(), longestGap: 0 };
    (window as unknown as { timerWatch: typeof watch }).timerWatch = watch;
    setInterval(() => {
      const now = performance.now();
      watch.longestGap = Math.max(watch.longestGap, now - watch.last);
      watch.last = now;
    }, 10);
  });
  await page.setInputFiles('#file', []);
  const started = Date.now();
  await page.setInputFiles('#file', file);
  let longestRoundTripMs = 0;
  let status = '';
  while (Date.now() - started < 60_000) {
    const asked = Date.now();
    status = await page.evaluate(() => document.body.dataset.status ?? '');
    longestRoundTripMs = Math.max(longestRoundTripMs, Date.now() - asked);
    if (status === 'loaded' || status === 'error') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const settledMs = Date.now() - started;
  const { error, longestTimerGapMs } = await page.evaluate(() => ({
    error: document.getElementById('error')!.textContent ?? '',
    longestTimerGapMs: (window as unknown as { timerWatch: { longestGap: number } }).timerWatch.longestGap,
  }));
  return { status, error, longestRoundTripMs, longestTimerGapMs, settledMs };
}

describeInChromium(
  'the demo page decodes in a worker: a file that hung the FITS decoder, and the decoding timeout',
  { unsafeWebGpu: false },
  (chromium) => {
    let goodFile: string;
    let hostileFile: string;

    beforeAll(async () => {
      chromium.fixtures.addFixture('tiny.onnx', randomModel('intensity', { depth: 1, filters: 4 }, 8));
      goodFile = chromium.fixtures.addFixture('hmi-like.fits', fitsBytes(testSolarImage('intensity', 32, 24)));
      hostileFile = chromium.fixtures.addFixture('endless-hdu-walk.fits', endlessHduWalk());
    });

    it('the page stays responsive and shows an error; the next file decodes and enhances', async () => {
      const page = await chromium.browser.newPage();
      const uncaught: string[] = [];
      page.on('pageerror', (error) => uncaught.push(String(error)));
      try {
        await page.goto(`${chromium.fixtures.baseUrl}/demo/?model=/fixtures/tiny.onnx&device=wasm&decodeTimeout=3000`);
        const hostile = await pickAndWatch(page, hostileFile);
        console.info(
          `endless HDU walk: settled in ${hostile.settledMs} ms; main thread: longest round trip ${hostile.longestRoundTripMs} ms, ` +
            `longest timer gap ${hostile.longestTimerGapMs.toFixed(0)} ms; "${hostile.error}"`,
        );
        expect(hostile.status).toBe('error');
        // A reader that catches the bad axis says so with a FITS code; one that loops is stopped by the timeout.
        expect(hostile.error).toMatch(/^endless-hdu-walk\.fits: .*\[(FITS_[A-Z_]+|WORKER_TIMEOUT)\]$/);
        if (hostile.error.includes('WORKER_TIMEOUT'))
          expect(hostile.error).toContain('decoding took too long (over 3 s) and was stopped; the file may be corrupt');
        expect(hostile.longestRoundTripMs).toBeLessThan(1000);
        expect(hostile.longestTimerGapMs).toBeLessThan(1000);

        const good = await pickAndWatch(page, goodFile);
        expect([good.status, good.error]).toEqual(['loaded', '']);
        expect(await page.textContent('#file-name')).toBe('hmi-like.fits: 32×24, HDU 0, BITPIX -32');
        await page.click('#run');
        await page.waitForSelector('body[data-status="done"], body[data-status="error"]', { timeout: 110_000 });
        expect(await page.textContent('#error')).toBe('');
        expect(await page.textContent('#output-size')).toBe('64×48');
        expect(uncaught).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('a decode over the timeout: its worker is stopped, the page says why, and a fresh worker reads the next file', async () => {
      const page = await chromium.browser.newPage();
      try {
        // 1 ms: no read can finish in time, since every try starts (and loads) a worker of its own.
        await page.goto(`${chromium.fixtures.baseUrl}/demo/?decodeTimeout=1`);
        const slow = await pickAndWatch(page, goodFile);
        expect(slow.status).toBe('error');
        expect(slow.error).toBe(
          'hmi-like.fits: decoding took too long (over 1 ms) and was stopped; the file may be corrupt [WORKER_TIMEOUT]',
        );
        expect(await page.isDisabled('#run')).toBe(true);

        const api = await page.evaluate(async () => {
          // Through Function: vitest would rewrite a literal import() in this source before it reaches the page.
          const web = await new Function('url', 'return import(url)')('/bundle/enhance-web.js');
          const bytes = new Uint8Array(await (await fetch('/fixtures/hmi-like.fits')).arrayBuffer());
          const outcome = (promise: Promise<any>): Promise<{ ok?: string; error?: string; details?: Record<string, unknown> }> =>
            promise.then(
              (image) => ({
                ok: `${image.width}×${image.height} HDU ${image.hdu} BITPIX ${image.bitpix} BUNIT ${image.header.get('BUNIT')} ${image.data.constructor.name}`,
              }),
              (error) => ({ error: `${error.name} ${error.code}: ${error.message}`, details: error.details }),
            );
          const timedOut = await outcome(web.readFitsInWorker(bytes, { file: 'a.fits', timeoutMs: 1 }));
          const read = await outcome(web.readFitsInWorker(bytes, { file: 'a.fits' }));
          const float64 = await outcome(web.readFitsInWorker(bytes, { precision: 'float64' }));
          const notFits = await outcome(web.readFitsInWorker(new TextEncoder().encode('not a FITS file'), { file: 'notes.txt' }));
          const controller = new AbortController();
          const abortedRead = outcome(web.readFitsInWorker(bytes, { file: 'a.fits', signal: controller.signal }));
          controller.abort();
          const copy = bytes.slice();
          await web.readFitsInWorker(copy, { transfer: true });
          const kept = bytes.byteLength;
          await web.readFitsInWorker(bytes);
          return {
            timedOut,
            read,
            float64,
            notFits,
            aborted: await abortedRead,
            transferred: copy.byteLength,
            kept,
            keptAfter: bytes.byteLength,
          };
        });
        expect(api.timedOut.error).toBe(
          'WebRuntimeError WORKER_TIMEOUT: a.fits: decoding took too long (over 1 ms) and was stopped; the file may be corrupt',
        );
        expect(api.read.ok).toBe('32×24 HDU 0 BITPIX -32 BUNIT DN/s Float32Array');
        expect(api.float64.ok).toBe('32×24 HDU 0 BITPIX -32 BUNIT DN/s Float64Array');
        // The reader's error, rebuilt on the page as a FitsError with its code and details.
        expect(api.notFits.error).toMatch(/^FitsError FITS_NOT_FITS: notes\.txt: not a FITS file/);
        expect(Object.keys(api.notFits.details ?? {})).not.toHaveLength(0);
        expect(api.aborted.error).toBe('EnhancerError ABORTED: a.fits: reading the FITS file aborted');
        // transfer: true hands the buffer over (detached here); by default the bytes are copied.
        expect(api.transferred).toBe(0);
        expect(api.kept).toBeGreaterThan(0);
        expect(api.keptAfter).toBe(api.kept);
      } finally {
        await page.close();
      }
    });
  },
);
