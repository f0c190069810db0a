import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GRAPH_BUILDER_VERSION } from './package-version.js';

test('the version written into models is the package version', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(GRAPH_BUILDER_VERSION).toBe(manifest.version);
});
