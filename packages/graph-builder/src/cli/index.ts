export * from './cli-error.js';
export * from './cli-command.js';
export * from './write-file-atomic.js';
export * from './inspect-command.js';
export * from './build-command.js';
export * from './enhance-graph-cli.js';
