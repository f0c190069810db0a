import { defineConfig } from 'vitest/config';
import { alias } from './vitest.config.js';

// Checks against the read-only data in ../shared (real HMI files, reference statistics).
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.shared.test.ts', 'test/**/*.shared.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
