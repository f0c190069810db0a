import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './cli-usage-error.js';
import { joinNegativeNumberValues } from './join-negative-number-values.js';

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
 * One subcommand. Every CLI of the project (`enhance`, `enhance-graph`) registers commands of this shape
 * in a `CliRegistry`, so a command written for one registers in the other (the Keras `convert`).
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage text shown by `<command> --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; returns the exit status. A CliUsageError exits 2. */
  run(args: string[], io: CliIo): Promise<number>;
}

type WithHelp<T extends CliOptions> = T & { help: { type: 'boolean'; short: 'h' } };
type ParsedValues<T extends CliOptions> = CliOptions extends T
  ? Record<string, string | boolean | undefined>
  : ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<T>; strict: true; allowPositionals: true }>>['values'];

/** What `parsedCommand` hands its `run`: the values typed by the options, when they are written inline. */
export interface ParsedArguments<T extends CliOptions = CliOptions> {
  values: ParsedValues<T>;
  positionals: string[];
}

/**
 * A command whose arguments are parsed by node:util parseArgs: strict (an unknown option is a usage
 * error), with -h/--help printing the usage. `numericOptions` take negative numbers as values
 * (`--scale -1`), so that their own check, not parseArgs, says what is wrong.
 */
export function parsedCommand<T extends CliOptions>(definition: {
  name: string;
  summary: string;
  usage: string;
  options: T;
  numericOptions?: readonly string[];
  run(args: ParsedArguments<T>, io: CliIo): Promise<number>;
}): CliCommand {
  const options: CliOptions = { ...definition.options, help: { type: 'boolean', short: 'h' } };
  return {
    name: definition.name,
    summary: definition.summary,
    usage: definition.usage,
    async run(args, io) {
      let parsed: { values: Record<string, unknown>; positionals: string[] };
      try {
        const joined = definition.numericOptions ? joinNegativeNumberValues(args, definition.numericOptions) : args;
        parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
      } catch (cause) {
        // parseArgs explains over several lines (the hint to write --opt=-value comes last); keep them all.
        throw new CliUsageError({ message: (cause as Error).message.replace(/\s*\n\s*/g, ' '), cause });
      }
      if (parsed.values.help) {
        io.stdout.write(`${definition.usage}\n`);
        return 0;
      }
      return definition.run({ values: parsed.values as unknown as ParsedValues<T>, positionals: parsed.positionals }, io);
    },
  };
}
