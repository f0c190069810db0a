import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleNodeScript } from '../bundle-node-script.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Bundles the fuzz CLI and @enhance/core from their TypeScript sources into node_modules/.cache (so that
 * fflate resolves from the repository) and returns the script: tests run the code as it is now, without
 * a tsc build.
 * The bundle is one file, which is what lets the CLI start itself again as its worker. Test files
 * that run at the same time give each a `name` of its own.
 */
export async function bundleFuzzCli(name: string): Promise<string> {
  const folder = `${repoRoot}node_modules/.cache/enhance-fits-fuzz`;
  mkdirSync(folder, { recursive: true });
  const outfile = `${folder}/${name}.mjs`;
  return bundleNodeScript(
    outfile,
    { entry: fileURLToPath(new URL('./fuzz-cli.ts', import.meta.url)) },
    {
      '@enhance/core': `${repoRoot}packages/core/src/index.ts`,
    },
  );
}

/** Runs the bundled CLI with `--json` and returns its exit status and parsed summary. */
export function runFuzzCli<Summary>(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): { status: number | null; summary: Summary; stderr: string } {
  const result = spawnSync(process.execPath, [script, ...args, '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  let summary: Summary;
  try {
    summary = JSON.parse(result.stdout) as Summary;
  } catch {
    throw new Error(`fuzz printed no JSON summary (exit ${result.status}): ${result.stdout.slice(0, 2000)}${result.stderr.slice(0, 2000)}`);
  }
  return { status: result.status, summary, stderr: result.stderr };
}
