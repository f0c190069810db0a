export * from './errors/index.js';
export * from './kinds.js';
