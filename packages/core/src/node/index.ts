// The Node-only part of @enhance/core (`@enhance/core/node`): what every command line of the project
// shares. Kept out of the package's main entry, so the browser bundle never sees node:fs.
export * from './cli-usage-error.js';
export * from './cli-file-error.js';
export * from './cli-command.js';
export * from './cli-registry.js';
export * from './join-negative-number-values.js';
export * from './parse-script-arguments.js';
export * from './files-in-progress.js';
export * from './write-files-atomically.js';
export * from './folder-write-problem.js';
export * from './exit-on-interrupt.js';
