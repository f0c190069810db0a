import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The read-only data folder beside the repository (../shared: real HMI files, training data, references). */
export const DEFAULT_SHARED_DIR = fileURLToPath(new URL('../../../shared', import.meta.url));

/** Tests that read ../shared; they run only through vitest.shared.config.ts (`npm run test:shared`). */
export const SHARED_TEST_FILES: readonly string[] = Object.freeze(['packages/*/src/**/*.shared.test.ts', 'test/**/*.shared.test.ts']);

export interface SharedTestSelection {
  include: string[];
  /** Set when the folder is missing: what to tell the user instead of failing on the first missing file. */
  skipped?: string;
}

/** Every shared test when `sharedDir/data` exists; none, and a message saying so and why, when it does not. */
export function sharedTestSelection(sharedDir: string = DEFAULT_SHARED_DIR): SharedTestSelection {
  if (existsSync(join(sharedDir, 'data'))) return { include: [...SHARED_TEST_FILES] };
  return {
    include: [],
    skipped:
      `test:shared: skipped every test: ${join(sharedDir, 'data')} does not exist. These tests check the code against ` +
      'the read-only data in ../shared (real HMI files, training data, reference statistics); put that folder beside ' +
      'the repository to run them. `npm test` needs none of it.',
  };
}
