import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's Chromium: the browser tests drive the system browser, never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const NO_CHROMIUM_MESSAGE = `browser tests skipped: ${CHROMIUM} not found (Debian: apt-get install chromium)`;

/**
 * Headless Chromium with WebGPU exposed; here the only adapter is SwiftShader (software Vulkan), which
 * the WebGPU test detects and names. `unsafeWebGpu: false` leaves the flag out, as a user's browser
 * without a GPU adapter: navigator.gpu is there, requestAdapter() answers null.
 */
export function launchChromium(extraArgs: string[] = [], { unsafeWebGpu = true }: { unsafeWebGpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
      ...(unsafeWebGpu ? ['--enable-unsafe-webgpu'] : []),
      ...extraArgs,
    ],
  });
}
