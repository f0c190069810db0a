import { CliRegistry } from '@enhance/core/node';
import { buildCommand } from './build-command.js';
import { inspectCommand } from './inspect-command.js';
import { rebuildCommand } from './rebuild-command.js';

/** The `enhance-graph` CLI with its built-in commands; register more (convert, export-keras) before `run`. */
export function createEnhanceGraphCli(): CliRegistry {
  return new CliRegistry({ name: 'enhance-graph', usageAfterErrors: true })
    .register(inspectCommand)
    .register(buildCommand)
    .register(rebuildCommand);
}
