import { fileURLToPath } from 'node:url';
import { bundleNodeScript } from '@enhance/test-support';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const source = (name: string) => `${repoRoot}packages/${name}/src/index.ts`;

/**
 * Bundles the CLI from the TypeScript sources into packages/runtime-node/dist/test-cli/ (so tests run
 * the code as it is now, without depending on a tsc build of every package) and returns the path of
 * a runnable script. Node packages (onnxruntime-node, fflate...) stay external; @enhance/* come from src/.
 * The bundle lives inside the runtime-node package so it finds its package.json like the real build.
 * Test files that run at the same time give each a `name` of its own, so none runs a half-written bundle.
 */
export async function bundleCli(name = 'enhance'): Promise<string> {
  const outfile = `${repoRoot}packages/runtime-node/dist/test-cli/${name}.mjs`;
  return bundleNodeScript(
    outfile,
    {
      stdin: {
        contents: "import { main } from './src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
        resolveDir: `${repoRoot}packages/runtime-node`,
        sourcefile: 'enhance-test-entry.ts',
        loader: 'ts',
      },
    },
    {
      '@enhance/core/node': source('core').replace(/index\.ts$/, 'node/index.ts'),
      '@enhance/graph-builder/cli': source('graph-builder').replace(/index\.ts$/, 'cli/index.ts'),
      '@enhance/core': source('core'),
      '@enhance/graph-builder': source('graph-builder'),
    },
  );
}
