import { EnhanceError } from '../errors/index.js';
import type { CliCommand, CliIo } from './cli-command.js';
import { CliUsageError } from './cli-usage-error.js';

/** What a CLI says about itself; everything else (dispatch, help, exit codes, errors) is the registry's. */
export interface CliProgram {
  /** The binary's name, which every message starts with. */
  readonly name: string;
  /** The first line of --help. */
  readonly description?: () => string;
  /** Answers --version/-v. */
  readonly version?: () => string;
  /** After a usage error, print the command's usage too (a developer tool); otherwise every error is one line. */
  readonly usageAfterErrors?: boolean;
  /** Commands that cost time to load (another package's): registered on the first --help or unknown name. */
  readonly loadCommands?: () => Promise<readonly CliCommand[]>;
}

/**
 * The subcommands of a CLI. Modules add theirs with `register` before `run`, so a binary is a list of
 * registrations. Exit statuses: 0 success, 1 a failure on the inputs or the run, 2 a command line that
 * cannot be acted on (a CliUsageError, an unknown command, no command).
 */
export class CliRegistry {
  private readonly commands = new Map<string, CliCommand>();
  private loading: Promise<void> | undefined;

  constructor(readonly program: CliProgram) {}

  register(command: CliCommand): this {
    if (this.commands.has(command.name)) {
      throw new Error(`${this.program.name}: command '${command.name}' is registered twice`);
    }
    this.commands.set(command.name, command);
    return this;
  }

  list(): CliCommand[] {
    return [...this.commands.values()];
  }

  help(): string {
    const { name, description, version } = this.program;
    const commands = this.list();
    const width = Math.max(...commands.map((command) => command.name.length));
    return [
      ...(description ? [description(), ''] : []),
      `Usage: ${name} <command> [options]`,
      '',
      'Commands:',
      ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
      '',
      `${name} <command> --help shows the options of a command${version ? `; ${name} --version prints the version` : ''}.`,
    ].join('\n');
  }

  /** Runs one command line; returns the exit status. */
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const [name, ...rest] = argv;
    const { program } = this;
    let command: CliCommand | undefined;
    try {
      if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
        await this.loadCommands();
        io.stdout.write(`${this.help()}\n`);
        return name === undefined ? 2 : 0;
      }
      if (program.version && (name === '--version' || name === '-v')) {
        io.stdout.write(`${program.version()}\n`);
        return 0;
      }
      if (!this.commands.has(name) && !name.startsWith('-')) await this.loadCommands();
      command = this.commands.get(name);
      if (!command) {
        throw new CliUsageError({
          message: `unknown command ${JSON.stringify(name)}: expected one of ${this.list()
            .map((c) => c.name)
            .join(', ')} (see ${program.name} --help)`,
        });
      }
      return await command.run(rest, io);
    } catch (error) {
      const usage = EnhanceError.isInstance(error) && error.code === 'CLI_USAGE';
      io.stderr.write(`${program.name}: ${describe(error)}\n`);
      if (usage && command && program.usageAfterErrors) io.stderr.write(`\n${command.usage}\n`);
      if (process.env.ENHANCE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
      return usage ? 2 : 1;
    }
  }

  private async loadCommands(): Promise<void> {
    const load = this.program.loadCommands;
    if (!load) return;
    this.loading ??= load().then((commands) => {
      for (const command of commands) if (!this.commands.has(command.name)) this.register(command);
    });
    await this.loading;
  }
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
