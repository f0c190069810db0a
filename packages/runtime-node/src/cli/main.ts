import { CliRegistry, type CliCommand, type CliIo } from '@enhance/core/node';
import { runtimePackage } from '../package-root.js';
import { infoCommand } from './info-command.js';
import { FLEET_CLI_COMMANDS } from './fleet-commands.js';
import { runCommand } from './run-command.js';

export type { CliCommand, CliIo } from '@enhance/core/node';

/**
 * `convert` and `export-keras` are @enhance/graph-builder's, an optional peer of this package: they are
 * offered when it is installed, and loaded only when needed (the HDF5 reader costs time that `enhance
 * run` should not pay, and protobufjs and h5wasm are no part of the runtime).
 */
async function graphBuilderCommands(): Promise<readonly CliCommand[]> {
  try {
    return (await import('@enhance/graph-builder/cli')).KERAS_CLI_COMMANDS;
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes('@enhance/graph-builder');
    if (missing) return [];
    throw error;
  }
}

const cli = new CliRegistry({
  name: 'enhance',
  description: () =>
    `enhance ${runtimePackage().version}: Enhance (Díaz Baso & Asensio Ramos 2018) for SDO/HMI images, on onnxruntime-node`,
  version: () => runtimePackage().version,
  loadCommands: graphBuilderCommands,
});
cli.register(runCommand).register(infoCommand);
for (const command of FLEET_CLI_COMMANDS) cli.register(command);

/** Adds a subcommand before `main` runs (another package's commands, say). */
export function registerCommand(command: CliCommand): void {
  cli.register(command);
}

/** Exit codes: 0 success, 1 a failure on the inputs or the run, 2 a command line that cannot be acted on. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  return cli.run(argv, io);
}
