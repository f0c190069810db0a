/** Where a command writes: stdout for results, stderr for progress, warnings and errors. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One `enhance <name> ...` subcommand. */
export interface CliCommand {
  readonly name: string;
  /** One line for `enhance --help`. */
  readonly summary: string;
  /** Full usage text for `enhance <name> --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; returns the exit code. Throws EnhanceError on failure. */
  run(args: string[], io: CliIo): Promise<number>;
}

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
