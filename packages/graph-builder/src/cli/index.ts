export * from './cli-error.js';
export * from './cli-command.js';
export * from './write-file-atomic.js';
export * from './write-files-atomically.js';
export * from './inspect-command.js';
export * from './build-command.js';
export * from './enhance-graph-cli.js';
export * from '../keras/keras-cli-commands.js';
