import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EnhanceError } from '@enhance/core';
import { CliError } from './cli-error.js';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/** Where a command writes: process streams in the binary, collectors in tests. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
}

/** The part of a stream a command uses; `isTTY` turns on progress bars. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * One subcommand. The shape is shared with the Keras commands and the `enhance` CLI, so a command
 * written for one registers in the other.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage text shown by `<command> --help` and after usage errors. */
  readonly usage: string;
  /** Runs with the arguments after the command name; returns the exit status. Errors with code 'CLI_USAGE' exit 2. */
  run(args: string[], io: CliIo): Promise<number>;
}

export interface ParsedArguments {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** A command whose arguments are parsed by node:util parseArgs (strict: unknown options are usage errors). */
export function parsedCommand(definition: {
  name: string;
  summary: string;
  usage: string;
  options: CliOptions;
  run(args: ParsedArguments, io: CliIo): Promise<number>;
}): CliCommand {
  return {
    name: definition.name,
    summary: definition.summary,
    usage: definition.usage,
    async run(args, io) {
      let parsed;
      try {
        parsed = parseArgs({ args, options: definition.options, allowPositionals: true, strict: true });
      } catch (cause) {
        throw new CliError({ code: 'CLI_USAGE', message: (cause as Error).message, cause });
      }
      return definition.run({ values: parsed.values as ParsedArguments['values'], positionals: parsed.positionals }, io);
    },
  };
}

/**
 * The subcommands of a CLI. Other modules add theirs with `register` (the Keras `convert`, say)
 * before `run`, so the binary is a list of registrations.
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

  /** Runs one command line; returns the exit status (0 ok, 1 failure, 2 usage). */
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(`${this.help()}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = this.commands.get(name);
    if (!command) {
      io.stderr.write(`${this.programName}: unknown command '${name}' (commands: ${this.list().map((c) => c.name).join(', ')})\n`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.usage}\n`);
      return 0;
    }
    try {
      return await command.run([...rest], io);
    } catch (error) {
      const usage = EnhanceError.isInstance(error) && error.code === 'CLI_USAGE';
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(`${this.programName} ${name}: ${message}\n${usage ? `\n${command.usage}\n` : ''}`);
      return usage ? 2 : 1;
    }
  }
}
