import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import sharedConfig from '../vitest.shared.config.js';
import { DEFAULT_SHARED_DIR, SHARED_TEST_FILES, sharedTestSelection } from './shared-support/shared-test-selection.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const scratch: string[] = [];
afterAll(() => {
  for (const folder of scratch) rmSync(folder, { recursive: true, force: true });
});

describe('npm run test:shared', () => {
  it('selects every shared test when the folder has its data/', () => {
    const folder = mkdtempSync(join(tmpdir(), 'enhance-shared-'));
    scratch.push(folder);
    mkdirSync(join(folder, 'data'));
    expect(sharedTestSelection(folder)).toEqual({ include: [...SHARED_TEST_FILES] });
    if (existsSync(join(DEFAULT_SHARED_DIR, 'data'))) expect(sharedConfig.test?.include).toEqual([...SHARED_TEST_FILES]);
  });

  it('without ../shared runs nothing, says it skipped and why, and exits 0', () => {
    const missing = join(tmpdir(), 'enhance-no-such-shared-folder');
    const selection = sharedTestSelection(missing);
    expect(selection.include).toEqual([]);
    expect(selection.skipped).toMatch(
      /^test:shared: skipped every test: .*enhance-no-such-shared-folder\/data does not exist\. These tests /,
    );

    // The real config and vitest, pointed at a folder that is not there.
    mkdirSync(join(repoRoot, 'node_modules', '.cache'), { recursive: true });
    const folder = mkdtempSync(join(repoRoot, 'node_modules', '.cache', 'enhance-shared-missing-'));
    scratch.push(folder);
    const config = join(folder, 'vitest.config.ts');
    writeFileSync(
      config,
      `import { sharedTestConfig } from ${JSON.stringify(join(repoRoot, 'vitest.shared.config.ts'))};\nexport default sharedTestConfig(${JSON.stringify(missing)});\n`,
    );
    const run = spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', config, '--root', repoRoot],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toContain(selection.skipped);
    expect(output).toMatch(/No test files found/);
  });
});
