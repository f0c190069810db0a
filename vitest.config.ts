import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export const alias = {
  // More specific entries first: an alias also matches the subpaths of its key.
  '@enhance/core/node': fileURLToPath(new URL('./packages/core/src/node/index.ts', import.meta.url)),
  '@enhance/graph-builder/cli': fileURLToPath(new URL('./packages/graph-builder/src/cli/index.ts', import.meta.url)),
  '@enhance/graph-builder/testing': fileURLToPath(new URL('./packages/graph-builder/src/testing/index.ts', import.meta.url)),
  '@enhance/core': pkg('core'),
  '@enhance/graph-builder': pkg('graph-builder'),
  '@enhance/runtime-node': pkg('runtime-node'),
  '@enhance/runtime-web': pkg('runtime-web'),
  '@enhance/training': pkg('training'),
  '@enhance/test-support': pkg('test-support'),
};

// Tests that read ../shared are named *.shared.test.ts and run only through vitest.shared.config.ts.
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.shared.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
