import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Test files that make folders in the temp directory must remove them: run after run, leftovers piled up
// there (enhance-keras-* from the Keras CLI tests). Each file runs here in a vitest of its own whose
// temp directory (TMPDIR) is a fresh folder, which must hold no enhance-* folder afterwards.
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const FILES_WITH_TEMP_FOLDERS = ['packages/graph-builder/src/keras/export-keras-weights.test.ts'];

const watched = mkdtempSync(join(tmpdir(), 'enhance-temp-check-'));
afterAll(() => rmSync(watched, { recursive: true, force: true }));

describe('temp folders', () => {
  it.each(FILES_WITH_TEMP_FOLDERS)('%s leaves nothing in the temp directory', (file) => {
    const tempDir = mkdtempSync(join(watched, 'run-'));
    const run = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, TMPDIR: tempDir, NO_COLOR: '1' },
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/Tests\s+\d+ passed/);
    // Only the project's own names: Node and other tools may keep files of theirs in TMPDIR.
    expect(readdirSync(tempDir).filter((name) => name.startsWith('enhance-'))).toEqual([]);
  });
});
