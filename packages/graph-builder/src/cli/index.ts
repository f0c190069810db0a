// `@enhance/graph-builder/cli`: the enhance-graph commands, which the `enhance` CLI also registers (convert,
// export-keras) when this package is installed. The command-line kit itself is @enhance/core/node.
export * from './inspect-command.js';
export * from './build-command.js';
export * from './rebuild-command.js';
export * from './enhance-graph-cli.js';
export * from '../keras/keras-cli-commands.js';
