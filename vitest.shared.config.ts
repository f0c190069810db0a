import { defineConfig } from 'vitest/config';
import { alias } from './vitest.config.js';
import { DEFAULT_SHARED_DIR, sharedTestSelection } from './test/shared-support/shared-test-selection.js';

/**
 * Checks against the read-only data in ../shared (real HMI files, reference statistics). Without the
 * folder, nothing runs and the run says so (exit 0): a clone without ../shared is a normal checkout.
 */
export function sharedTestConfig(sharedDir: string = DEFAULT_SHARED_DIR) {
  const { include, skipped } = sharedTestSelection(sharedDir);
  if (skipped) console.warn(skipped);
  return defineConfig({
    resolve: { alias },
    test: {
      include,
      passWithNoTests: skipped !== undefined,
      exclude: ['**/node_modules/**', '**/dist/**'],
      testTimeout: 300_000,
      hookTimeout: 300_000,
      pool: 'forks',
    },
  });
}

export default sharedTestConfig();
