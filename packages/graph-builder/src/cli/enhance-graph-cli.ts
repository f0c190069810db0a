import { CliRegistry } from './cli-command.js';
import { buildCommand } from './build-command.js';
import { inspectCommand } from './inspect-command.js';

/** The `enhance-graph` CLI with its built-in commands; register more (convert, export-keras) before `run`. */
export function createEnhanceGraphCli(): CliRegistry {
  return new CliRegistry('enhance-graph').register(inspectCommand).register(buildCommand);
}
