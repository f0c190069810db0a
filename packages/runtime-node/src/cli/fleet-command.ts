import { CliUsageError, parsedCommand, type CliCommand, type CliIo, type CliOptions, type ParsedArguments } from '@enhance/core/node';
import { parsePositiveInteger } from './enhance-settings.js';

/**
 * A command of `batch`, `submit`, `worker` and `status`: a `parsedCommand` (strict options, -h/--help)
 * that takes positionals only where the command says so.
 */
export function fleetCommand(definition: {
  name: string;
  summary: string;
  usage: string;
  options: CliOptions;
  numericOptions?: readonly string[];
  positionals: boolean;
  run(args: ParsedArguments, io: CliIo): Promise<number>;
}): CliCommand {
  return parsedCommand({
    ...definition,
    async run(args, io) {
      if (!definition.positionals && args.positionals.length > 0) {
        throw new CliUsageError({
          message: `unexpected argument ${JSON.stringify(args.positionals[0])} (enhance ${definition.name} takes options only)`,
        });
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
