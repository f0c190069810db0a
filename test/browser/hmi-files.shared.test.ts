import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFits } from '@enhance/core';
import type { EnhanceKind } from '@enhance/core';
import { createEnhancer as createNodeEnhancer } from '@enhance/runtime-node';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { maxRelativeDifference, randomModel } from '../browser-support/test-images.js';

// Real HMI files from ../shared through the demo page: the browser decodes them (Rice tiles included)
// exactly as Node does, and enhances them as runtime-node does.
const hmiFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/hmi');
const FILES: [string, EnhanceKind][] = [
  ['hmi.sharp_cea_720s.3700.20140131_024800_TAI.continuum.fits', 'intensity'],
  ['hmi_ic_near_limb_400x500.fits', 'intensity'],
  ['hmi_blos_ar_200x200_gauss.fits', 'blos'],
];

describeInChromium('real HMI files in headless Chromium (demo page, WASM)', {}, (chromium) => {
  let page: Page;

  beforeAll(async () => {
    page = await chromium.browser.newPage();
    await page.goto(`${chromium.fixtures.baseUrl}/demo/?device=wasm&threads=2`);
  });

  it.each(FILES)('%s: same decoded pixels as Node, and the same enhanced image within 1e-4', async (name, kind) => {
    const file = path.join(hmiFolder, name);
    expect(existsSync(file), `${file} is missing`).toBe(true);
    const model = randomModel(kind, { depth: 1, filters: 8 }, 21);
    chromium.fixtures.addFixture(`${kind}.onnx`, model);
    await page.fill('#model-url', `/fixtures/${kind}.onnx`);
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-status="loaded"]');
    expect(await page.inputValue('#kind')).toBe(kind);
    await page.click('#run');
    await page.waitForSelector('body[data-status="done"], body[data-status="error"]', { timeout: 110_000 });
    expect(await page.textContent('#error')).toBe('');
    const fromPage = await page.evaluate(() => {
      const { state } = (window as unknown as { enhanceDemo: { state: any } }).enhanceDemo;
      return {
        input: Array.from(state.input.data as Float32Array),
        output: Array.from(state.result.image.data as Float32Array),
        hdu: state.input.hdu,
      };
    });
    const decoded = readFits(new Uint8Array(readFileSync(file)), { file: name });
    expect(fromPage.hdu).toBe(decoded.hdu);
    expect(fromPage.input).toEqual(Array.from(decoded.data));
    const enhancer = await createNodeEnhancer({ kind, model, device: 'cpu', onWarning: () => undefined });
    const reference = await enhancer.enhance(decoded);
    await enhancer.dispose();
    const { relative, nanMismatches } = maxRelativeDifference(fromPage.output, reference.image.data);
    console.info(`${name}: browser vs Node max relative difference ${relative.toExponential(2)}`);
    expect(nanMismatches).toBe(0);
    expect(relative).toBeLessThanOrEqual(1e-4);
  });
});
