import { build, type StdinOptions } from 'esbuild';

/**
 * Bundles one Node script from TypeScript sources into `outfile` as a single ES module: npm packages stay
 * external (they resolve from the repository's node_modules), `alias` points package names at sources.
 * Tests run the code as it is now, without depending on a tsc build.
 */
export async function bundleNodeScript(
  outfile: string,
  input: { entry: string } | { stdin: StdinOptions },
  alias?: Record<string, string>,
): Promise<string> {
  await build({
    ...('entry' in input ? { entryPoints: [input.entry] } : { stdin: input.stdin }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    packages: 'external',
    ...(alias ? { alias } : {}),
  });
  return outfile;
}
