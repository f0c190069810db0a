import { EnhanceError } from '@enhance/core';
import { runtimePackage } from '../package-root.js';
import { findCommand, registerCommand, registeredCommands } from './cli-command.js';
import type { CliCommand, CliIo } from './cli-command.js';
import { CliUsageError } from './cli-usage-error.js';
import { infoCommand } from './info-command.js';
import { FLEET_CLI_COMMANDS } from './fleet-commands.js';
import { runCommand } from './run-command.js';

export { registerCommand } from './cli-command.js';
export type { CliCommand, CliIo } from './cli-command.js';

registerCommand(runCommand);
registerCommand(infoCommand);
for (const command of FLEET_CLI_COMMANDS) registerCommand(command);

let optionalCommandsLoaded = false;

/**
 * Commands that live in other packages (the graph-builder's Keras `convert` and `export-keras`) are
 * registered on demand: loading the HDF5 reader costs time that `enhance run` should not pay.
 */
async function loadOptionalCommands(): Promise<void> {
  if (optionalCommandsLoaded) return;
  optionalCommandsLoaded = true;
  const { KERAS_CLI_COMMANDS } = await import('@enhance/graph-builder/cli');
  for (const command of KERAS_CLI_COMMANDS) if (!findCommand(command.name)) registerCommand(command);
}

/** Exit codes: 0 success, 1 a failure on the inputs or the run, 2 a command line that cannot be acted on. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      await loadOptionalCommands();
      io.stdout.write(`${overview()}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${runtimePackage().version}\n`);
      return 0;
    }
    if (!findCommand(name) && !name.startsWith('-')) await loadOptionalCommands();
    const command = findCommand(name);
    if (!command) {
      throw new CliUsageError({
        message: `unknown command ${JSON.stringify(name)}: expected one of ${registeredCommands().map((c) => c.name).join(', ')} (see enhance --help)`,
      });
    }
    return await command.run(rest, io);
  } catch (error) {
    io.stderr.write(`enhance: ${describe(error)}\n`);
    if (process.env.ENHANCE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EnhanceError.isInstance(error) && error.code === 'CLI_USAGE' ? 2 : 1;
  }
}

function overview(): string {
  const commands = registeredCommands();
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `enhance ${runtimePackage().version}: Enhance (Díaz Baso & Asensio Ramos 2018) for SDO/HMI images, on onnxruntime-node`,
    '',
    'Usage: enhance <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'enhance <command> --help shows the options of a command; enhance --version prints the version.',
  ].join('\n');
}

/** One line, no stack: the error's own message (which names the file), or a labelled fallback. */
function describe(error: unknown): string {
  if (EnhanceError.isInstance(error)) return firstLine(error.message);
  if (error instanceof Error) return `unexpected error: ${firstLine(error.message)} (set ENHANCE_DEBUG=1 for details)`;
  return `unexpected error: ${String(error)}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
