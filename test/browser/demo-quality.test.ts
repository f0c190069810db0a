import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFits } from '@enhance/core';
import { createEnhancer as createNodeEnhancer } from '@enhance/runtime-node';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { fitsBytes, maxRelativeDifference, randomModel, testSolarImage } from '../browser-support/test-images.js';

// The quality check and test-time augmentation in the browser: the demo's third view (the residual) and
// the numbers, held to runtime-node's for the same model and file.

const redegradeModel = new Uint8Array(readFileSync(fileURLToPath(new URL('../../models/hmi-redegrade.onnx', import.meta.url))));

describeInChromium('demo page: --qa and --tta in the browser (WASM)', {}, (chromium) => {
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    chromium.fixtures.addBundleModel('hmi-redegrade.onnx', redegradeModel);
    page = await chromium.browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${chromium.fixtures.baseUrl}/demo/?threads=1&qa=1&tta=4`);
  });

  it('shows the residual as a third view, with the same residual and spread as runtime-node', async () => {
    const model = randomModel('intensity', { depth: 1, filters: 8 }, 4);
    const fits = fitsBytes(testSolarImage('intensity', 40, 32, [0, 41]));
    chromium.fixtures.addFixture('quality-model.onnx', model);
    const file = chromium.fixtures.addFixture('quality.fits', fits);
    await page.fill('#model-url', '/fixtures/quality-model.onnx');
    await page.selectOption('#device', 'wasm');
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-status="loaded"]');
    await page.selectOption('#kind', 'intensity');
    await page.click('#run');
    await page.waitForSelector('body[data-status="done"], body[data-status="error"]', { timeout: 110_000 });
    const error = await page.evaluate(() =>
      document.body.dataset.status === 'error' ? document.getElementById('error')!.textContent : null,
    );
    expect(error).toBeNull();
    const seen = await page.evaluate(() => {
      const { result } = (window as unknown as { enhanceDemo: { state: { result: any } } }).enhanceDemo.state;
      const canvas = document.getElementById('residual-canvas') as HTMLCanvasElement;
      return {
        tta: result.tta,
        residual: Array.from(result.qa.residual.data as Float32Array),
        spread: Array.from(result.spread.data as Float32Array),
        summary: result.qa.summary,
        figureHidden: document.getElementById('residual-figure')!.hidden,
        canvas: [canvas.width, canvas.height],
        info: document.getElementById('residual-info')!.textContent,
      };
    });
    const enhancer = await createNodeEnhancer({ kind: 'intensity', model, device: 'cpu', onWarning: () => undefined });
    const reference = await enhancer.enhance(readFits(fits), { qa: true, tta: 4 });
    await enhancer.dispose();
    expect(seen.tta).toBe(4);
    expect(seen.figureHidden).toBe(false);
    expect(seen.canvas).toEqual([40, 32]);
    expect(seen.info).toMatch(/% of mean \|input\|/);
    const residual = maxRelativeDifference(seen.residual, reference.qa!.residual.data);
    const spread = maxRelativeDifference(seen.spread, reference.spread!.data);
    expect(residual.nanMismatches).toBe(0);
    expect(spread.nanMismatches).toBe(0);
    // The residual is a small difference of large numbers (5·10⁴ DN/s): compared on its own scale.
    expect(residual.relative).toBeLessThan(1e-2);
    expect(spread.relative).toBeLessThan(1e-2);
    expect(seen.summary.relativeResidual).toBeCloseTo(reference.qa!.summary.relativeResidual, 4);
    expect(pageErrors).toEqual([]);
  });
});
