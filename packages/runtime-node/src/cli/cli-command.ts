import type { CliCommand } from '@enhance/graph-builder/cli';

/** `enhance` subcommands share the graph-builder's command shape, so its Keras commands register here. */
export type { CliCommand, CliIo } from '@enhance/graph-builder/cli';

const registry = new Map<string, CliCommand>();

/**
 * Adds a subcommand. Other packages extend the CLI this way (the Keras converter registers `convert`)
 * by importing this module before `main` runs.
 */
export function registerCommand(command: CliCommand): void {
  if (registry.has(command.name)) throw new Error(`enhance: command '${command.name}' is already registered`);
  registry.set(command.name, command);
}

export function registeredCommands(): CliCommand[] {
  return [...registry.values()];
}

export function findCommand(name: string): CliCommand | undefined {
  return registry.get(name);
}
