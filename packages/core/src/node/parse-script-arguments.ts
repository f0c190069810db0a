import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

type ScriptOptions = NonNullable<ParseArgsConfig['options']>;
type WithHelp<T extends ScriptOptions> = T & { help: { type: 'boolean'; short: 'h' } };
type ScriptConfig<T extends ScriptOptions> = { args: string[]; options: WithHelp<T>; strict: true; allowPositionals: false };
export type ScriptArguments<T extends ScriptOptions> = ReturnType<typeof parseArgs<ScriptConfig<T>>>['values'];

/**
 * The options of a repository script (`npm run bench -- ...`), with `-h/--help` added: --help prints
 * `usage` and exits 0; an unknown option or a missing value prints one line and exits 2, never a stack.
 */
export function parseScriptArguments<T extends ScriptOptions>(
  script: string,
  usage: string,
  options: T,
  args: string[] = process.argv.slice(2),
): ScriptArguments<T> {
  const config: ScriptConfig<T> = {
    args,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  };
  let values: ScriptArguments<T>;
  try {
    values = parseArgs<ScriptConfig<T>>(config).values;
  } catch (error) {
    process.stderr.write(`${script}: ${(error as Error).message.split('\n')[0]} (${script} --help lists the options)\n`);
    process.exit(2);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  return values;
}
