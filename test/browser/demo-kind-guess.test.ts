import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FitsHeader, detectEnhanceKind, readFits } from '@enhance/core';
import type { EnhanceKind, SolarImage } from '@enhance/core';
import { describeInChromium } from '../browser-support/describe-in-chromium.js';
import { fitsBytes, testSolarImage } from '../browser-support/test-images.js';

// The demo picks the kind of a loaded file with core's rule, the one the CLI uses: the same answer as
// detectEnhanceKind in Node for every file, including those its former BUNIT-or-sign-count guess got wrong.

const withHeader = (image: SolarImage, edit: (header: FitsHeader) => FitsHeader): SolarImage => ({ ...image, header: edit(image.header) });

const CASES: { name: string; image: () => SolarImage; kind: EnhanceKind | 'unchanged' }[] = [
  // A magnetogram in kilogauss: the former guess took any unit it did not know for intensity.
  {
    name: 'blos-kilogauss.fits',
    image: () => {
      const m = testSolarImage('blos', 40, 30);
      return { ...withHeader(m, (h) => h.with('BUNIT', 'kG')), data: m.data.map((v) => v / 1000) };
    },
    kind: 'blos',
  },
  // HMI magnetogram saved without BUNIT: decided from the (signed) data.
  { name: 'blos-no-bunit.fits', image: () => withHeader(testSolarImage('blos', 40, 30), (h) => h.without('BUNIT')), kind: 'blos' },
  {
    name: 'intensity-no-bunit.fits',
    image: () => withHeader(testSolarImage('intensity', 40, 30), (h) => h.without('BUNIT')),
    kind: 'intensity',
  },
  // A Dopplergram is neither kind: the page keeps what the user had chosen instead of saying 'intensity'.
  { name: 'dopplergram.fits', image: () => withHeader(testSolarImage('blos', 40, 30), (h) => h.with('BUNIT', 'km/s')), kind: 'unchanged' },
];

describeInChromium('the demo page guesses the kind with core’s rule', {}, (chromium) => {
  let page: Page;

  beforeAll(async () => {
    page = await chromium.browser.newPage();
    await page.goto(`${chromium.fixtures.baseUrl}/demo/`);
  });

  it.each(CASES)('$name → $kind', async ({ name, image, kind }) => {
    const bytes = fitsBytes(image());
    const file = chromium.fixtures.addFixture(name, bytes);
    const before = kind === 'unchanged' ? 'blos' : kind === 'blos' ? 'intensity' : 'blos';
    await page.selectOption('#kind', before);
    await page.setInputFiles('#file', []);
    await page.setInputFiles('#file', file);
    await page.waitForSelector('body[data-status="loaded"], body[data-status="error"]');
    const chosen = await page.inputValue('#kind');
    expect(chosen).toBe(kind === 'unchanged' ? before : kind);
    expect(detectEnhanceKind(readFits(bytes), { fileName: name }).kind ?? before).toBe(chosen);
  });
});
