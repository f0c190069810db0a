import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

// The source is formatted by Prettier (.prettierrc.json at the root): `npx prettier --write .` fixes what
// this test finds. It reads the files git tracks (and the untracked ones it does not ignore), so a new
// file is checked before its first commit.

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const SOURCE = /\.(ts|mjs|cjs|js)$/;

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  return listed.split('\n').filter((f) => SOURCE.test(f));
}

describe('formatting', () => {
  it('every source file is as Prettier writes it', async () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(300);
    const unformatted: string[] = [];
    for (const file of files) {
      const path = join(repoRoot, file);
      const info = await prettier.getFileInfo(path, { ignorePath: join(repoRoot, '.prettierignore') });
      if (info.ignored) continue;
      const options = await prettier.resolveConfig(path);
      if (!(await prettier.check(readFileSync(path, 'utf8'), { ...options, filepath: path }))) unformatted.push(file);
    }
    expect(unformatted, `not formatted (run npx prettier --write ${unformatted.join(' ')})`).toEqual([]);
  }, 120_000);
});
