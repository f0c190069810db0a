import { parsedCommand } from '@enhance/graph-builder/cli';
import type { CliCommand, CliIo, CliOptions, ParsedArguments } from '@enhance/graph-builder/cli';
import { CliUsageError } from './cli-usage-error.js';
import { parsePositiveInteger } from './run-command.js';

/**
 * A command of `batch`, `submit`, `worker` and `status`: strict options (an unknown one is a usage
 * error, exit 2), -h/--help printing the usage, and positionals only where the command takes them.
 */
export function fleetCommand(definition: {
  name: string;
  summary: string;
  usage: string;
  options: CliOptions;
  positionals: boolean;
  run(args: ParsedArguments, io: CliIo): Promise<number>;
}): CliCommand {
  return parsedCommand({
    ...definition,
    options: { ...definition.options, help: { type: 'boolean', short: 'h' } },
    async run(args, io) {
      if (args.values.help) {
        io.stdout.write(`${definition.usage}\n`);
        return 0;
      }
      if (!definition.positionals && args.positionals.length > 0) {
        throw new CliUsageError({ message: `unexpected argument ${JSON.stringify(args.positionals[0])} (enhance ${definition.name} takes options only)` });
      }
      return definition.run(args, io);
    },
  });
}

/** `--<name> <n>` as an integer ≥ `minimum`, or `fallback` when it is not given. */
export function integerOption(values: ParsedArguments['values'], name: string, fallback: number, minimum: number): number {
  const value = values[name];
  return typeof value === 'string' ? parsePositiveInteger(`--${name}`, value, minimum) : fallback;
}
