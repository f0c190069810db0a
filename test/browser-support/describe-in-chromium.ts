import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startBrowserFixtures } from './browser-fixtures.js';
import type { BrowserFixtures } from './browser-fixtures.js';
import { NO_CHROMIUM_MESSAGE, hasChromium, launchChromium } from './chromium.js';

/** What a block's tests share: set before the block's own beforeAll hooks run, closed after its afterAll. */
export interface ChromiumSession {
  readonly browser: Browser;
  /** The demo, a bundle built for this block, and its fixtures, served cross-origin isolated. */
  readonly fixtures: BrowserFixtures;
}

export interface ChromiumSessionOptions {
  /** Extra Chromium arguments (launchChromium's). */
  args?: string[];
  /** Default true: WebGPU exposed (a SwiftShader adapter here); false as a browser without a GPU adapter. */
  unsafeWebGpu?: boolean;
}

/**
 * A describe block run in one headless Chromium with one fixtures server; where Chromium is not
 * installed, a skipped block that says so.
 */
export function describeInChromium(title: string, options: ChromiumSessionOptions, body: (chromium: ChromiumSession) => void): void {
  if (!hasChromium) {
    describe.skip(NO_CHROMIUM_MESSAGE, () => {
      it('needs Chromium', () => undefined);
    });
    return;
  }
  describe(title, () => {
    let browser: Browser | undefined;
    let fixtures: BrowserFixtures | undefined;
    beforeAll(async () => {
      [fixtures, browser] = await Promise.all([
        startBrowserFixtures(),
        launchChromium(options.args, { unsafeWebGpu: options.unsafeWebGpu }),
      ]);
    });
    afterAll(async () => {
      await browser?.close();
      await fixtures?.close();
    });
    body({
      get browser() {
        return browser!;
      },
      get fixtures() {
        return fixtures!;
      },
    });
  });
}
