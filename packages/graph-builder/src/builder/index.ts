export * from './operand.js';
export * from './graph-node.js';
export * from './graph-builder-error.js';
export * from './graph-builder.js';
export * from './symbolic-dim.js';
