/**
 * Which workspace entry points each package may import: the one place this is written. docs/architecture.md
 * quotes it (test/layers.test.ts checks that the quote is this map) and draws it.
 *
 * - `shipped`: what the package's published code may import (and list in "dependencies").
 * - `optional`: optional peers, reached only by a dynamic import() that tolerates their absence.
 * - `dev`: what its tests, test helpers, benches and scripts may import besides (its "devDependencies").
 * - `devFolders`: src/ folders that are not shipped (left out of "files"), checked as dev code.
 *
 * Entries are import specifiers: '@enhance/core' allows the main entry only, not '@enhance/core/node'.
 */
export interface PackageLayer {
  readonly shipped: readonly string[];
  readonly optional?: readonly string[];
  readonly dev: readonly string[];
  readonly devFolders?: readonly string[];
}

export type LayerMap = Readonly<Record<string, PackageLayer>>;

export const LAYER_MAP: LayerMap = {
  '@enhance/core': {
    shipped: [],
    dev: ['@enhance/test-support'],
  },
  '@enhance/graph-builder': {
    shipped: ['@enhance/core', '@enhance/core/node'],
    dev: ['@enhance/test-support'],
  },
  '@enhance/runtime-node': {
    shipped: ['@enhance/core', '@enhance/core/node'],
    optional: ['@enhance/graph-builder/cli'],
    dev: ['@enhance/graph-builder', '@enhance/test-support'],
    devFolders: ['src/bench'],
  },
  '@enhance/runtime-web': {
    // core/node only in its Node scripts (scripts/: build, demo server, bench); the browser code in src/
    // cannot load it (the bundle is built for the browser platform).
    shipped: ['@enhance/core', '@enhance/core/node'],
    dev: ['@enhance/runtime-node', '@enhance/graph-builder', '@enhance/test-support'],
  },
  '@enhance/training': {
    shipped: ['@enhance/core', '@enhance/core/node', '@enhance/graph-builder', '@enhance/runtime-node'],
    dev: ['@enhance/graph-builder/testing', '@enhance/test-support'],
  },
  '@enhance/test-support': {
    shipped: ['@enhance/core'],
    dev: [],
  },
};
