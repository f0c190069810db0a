import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleNodeScript } from '@enhance/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alias } from '../vitest.config.js';

// Every script of the root package.json and of the workspaces' package.json files answers --help with
// its usage and exit 0, and an unknown option with one line and a non-zero exit, never a stack trace.

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const packageJson = (folder: string) =>
  JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; workspaces?: string[] };

/** npm runs these itself, without arguments from the user. */
const LIFECYCLE = /^(pre|post)?(install|prepare|prepack|postpack|publish|pack)$/;
/** Scripts that are a tool's own command line (tsc, vitest), which has its own --help. */
const TOOL = /^(tsc|vitest)\b|^npm run (build|test)$/;

interface ScriptEntry {
  /** How a user runs it, e.g. 'npm run bench' or 'npm run serve:demo -w packages/runtime-web'. */
  name: string;
  /** The file node runs. */
  entry: string;
}

/** The scripts of one package.json folder, each resolved to the file `node` runs. */
function scriptEntries(folder: string, label: string): ScriptEntry[] {
  const entries: ScriptEntry[] = [];
  for (const [name, command] of Object.entries(packageJson(folder).scripts ?? {})) {
    if (LIFECYCLE.test(name) || TOOL.test(command)) continue;
    const node = /^node (\S+)$/.exec(command);
    const forward = /^npm run (\S+) -w (\S+)( --)?$/.exec(command);
    if (node) entries.push({ name: `npm run ${name}${label}`, entry: resolve(folder, node[1]) });
    else if (forward) {
      // The workspace's own script is checked with its package; here only that arguments reach it.
      expect(forward[3], `'${name}': "${command}" must end with -- so that npm passes the user's arguments on`).toBe(' --');
      expect(
        packageJson(resolve(folder, forward[2])).scripts?.[forward[1]],
        `'${name}' runs a script that ${forward[2]} lacks`,
      ).toBeDefined();
    } else throw new Error(`script '${name}' = "${command}": not a node script, a tool or a workspace script; teach this test about it`);
  }
  return entries;
}

const scripts: ScriptEntry[] = [
  ...scriptEntries(repoRoot, ''),
  ...(packageJson(repoRoot).workspaces ?? []).flatMap((workspace) => scriptEntries(resolve(repoRoot, workspace), ` -w ${workspace}`)),
];

let scratch: string;
const runnable = new Map<string, string>();

beforeAll(async () => {
  // Bundled inside the repository so that their external packages resolve from its node_modules.
  mkdirSync(join(repoRoot, 'node_modules', '.cache'), { recursive: true });
  scratch = mkdtempSync(join(repoRoot, 'node_modules', '.cache', 'enhance-script-help-'));
  for (const { entry } of scripts) {
    const compiled = /\/packages\/([^/]+)\/dist\/(.+)\.js$/.exec(entry);
    if (!compiled) {
      runnable.set(entry, entry); // a plain .mjs script: run as it is
      continue;
    }
    // A dist/ entry is bundled from its TypeScript source, so the check needs no build and sees the code as it is now.
    const outfile = join(scratch, `${compiled[1]}-${basename(compiled[2])}.mjs`);
    await bundleNodeScript(outfile, { entry: join(repoRoot, 'packages', compiled[1], 'src', `${compiled[2]}.ts`) }, alias);
    runnable.set(entry, outfile);
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(entry: string, args: string[]) {
  const result = spawnSync(process.execPath, [runnable.get(entry) ?? entry, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('every npm script', () => {
  it('finds the scripts users run', () => {
    const names = scripts.map((s) => relative(repoRoot, s.entry));
    for (const expected of [
      'runtime-node/dist/bench/bench.js',
      'training/dist/cli/train.js',
      'training/dist/cli/evaluate.js',
      'runtime-web/scripts/build-web.mjs',
      'runtime-web/scripts/serve-demo.mjs',
      'runtime-web/scripts/bench-web.mjs',
    ]) {
      expect(names).toContain(`packages/${expected}`);
    }
  });

  it.each(scripts)('$name --help prints its usage and exits 0', ({ entry }) => {
    const { code, stdout, stderr } = run(entry, ['--help']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Usage: /m);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each(scripts)('$name rejects an unknown option in one line, non-zero exit', ({ entry }) => {
    const { code, stdout, stderr } = run(entry, ['--no-such-option']);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
    expect(stderr).toContain("'--no-such-option'");
  });

  it.each([
    ['--input-noise', '3:1'],
    ['--input-noise', '0:0.01'],
    ['--input-noise', 'loud'],
  ])('npm run train refuses %s %s before it reads data or writes a log', (option, value) => {
    const train = scripts.find((s) => s.entry.endsWith('training/dist/cli/train.js'));
    expect(train).toBeDefined();
    const outDir = mkdtempSync(join(repoRoot, 'tmp-train-'));
    try {
      const { code, stdout, stderr } = run(train!.entry, [
        '--kind',
        'blos',
        option,
        value,
        '--out-dir',
        outDir,
        '--shared-dir',
        join(outDir, 'missing'),
      ]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim()).toBe(`enhance train: --input-noise must be a σ ≥ 0 or LOW:HIGH with 0 < LOW ≤ HIGH, got '${value}'`);
      expect(readdirSync(outDir)).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--qat-resume'], '--qat-resume needs --qat-steps'],
    [['--qat-steps', '10', '--qat-learning-rate', '2'], '--qat-learning-rate "2" is invalid'],
    [['--qat-steps', 'many'], '--qat-steps "many" is invalid'],
  ])('npm run quantize %j refuses in one line with exit 2, writing nothing', (args, message) => {
    const quantize = scripts.find((s) => s.entry.endsWith('training/dist/cli/quantize.js'));
    expect(quantize).toBeDefined();
    const modelsDir = mkdtempSync(join(repoRoot, 'tmp-quantize-'));
    try {
      const { code, stdout, stderr } = run(quantize!.entry, [...args, '--models-dir', modelsDir]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(message);
      expect(readdirSync(modelsDir)).toEqual([]);
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });
});
