import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EnhanceError } from '@enhance/core';
import { CliError } from './cli-error.js';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/** Where a command writes; tests pass collectors, the binary passes process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage text shown by `<command> --help` and on usage errors. */
  usage: string;
  options: CliOptions;
  /** Returns the exit status. Throw CliError for bad usage. */
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, io: CliIo): Promise<number>;
}

/**
 * The subcommands of a CLI. Other modules add theirs with `register` (a Keras `convert`, say) before
 * `run` is called, so the binary is a list of registrations.
 */
export class CliRegistry {
  private readonly commands = new Map<string, CliCommand>();

  constructor(readonly programName: string) {}

  register(command: CliCommand): this {
    if (this.commands.has(command.name)) {
      throw new CliError({ code: 'CLI_USAGE', message: `command '${command.name}' is registered twice` });
    }
    this.commands.set(command.name, command);
    return this;
  }

  list(): CliCommand[] {
    return [...this.commands.values()];
  }

  help(): string {
    const width = Math.max(...this.list().map((c) => c.name.length));
    return [`usage: ${this.programName} <command> [options]`, '', 'commands:',
      ...this.list().map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '', `Run '${this.programName} <command> --help' for a command's options.`].join('\n');
  }

  /** Parses and runs one command line; returns the exit status (0 ok, 1 failure, 2 usage). */
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(`${this.help()}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = this.commands.get(name);
    if (!command) {
      io.err(`${this.programName}: unknown command '${name}' (commands: ${this.list().map((c) => c.name).join(', ')})\n`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${command.usage}\n`);
      return 0;
    }
    try {
      let parsed;
      try {
        parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
      } catch (cause) {
        throw new CliError({ code: 'CLI_USAGE', message: (cause as Error).message, cause });
      }
      return await command.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }, io);
    } catch (error) {
      const usage = error instanceof CliError && error.code === 'CLI_USAGE';
      const message = EnhanceError.isInstance(error) || error instanceof Error ? error.message : String(error);
      io.err(`${this.programName} ${name}: ${message}\n${usage ? `\n${command.usage}\n` : ''}`);
      return usage ? 2 : 1;
    }
  }
}
