// The command line of this package's scripts, with -h/--help added: --help prints the usage and exits 0;
// an unknown option or a missing value prints one line and exits 2, never a stack. (The repository's
// TypeScript scripts use @enhance/core/node's parseScriptArguments; these scripts ship with the
// package and depend on nothing but Node.)
import { parseArgs } from 'node:util';

/**
 * @param {string} script the name the messages start with
 * @param {string} usage printed for --help
 * @param {import('node:util').ParseArgsConfig['options']} options
 * @param {string[]} [args]
 */
export function parseScriptArguments(script, usage, options, args = process.argv.slice(2)) {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`${script}: ${String(error.message).split('\n')[0]} (${script} --help lists the options)\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  return values;
}
