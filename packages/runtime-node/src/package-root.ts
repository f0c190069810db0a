import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@enhance/runtime-node';

let cached: { root: string; version: string } | undefined;

/**
 * The folder holding this package's package.json, found by walking up from this module: the same code
 * runs from src/ (tests), dist/ (the published build) and bundles, at different depths.
 */
export function runtimePackage(): { root: string; version: string } {
  if (cached) return cached;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME) {
        cached = { root: folder, version: manifest.version ?? '0.0.0' };
        return cached;
      }
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}
