export * from './errors/index.js';
export * from './kinds.js';
export * from './fits/index.js';
export * from './image/index.js';
export * from './devices/index.js';
export * from './enhancer/index.js';
export * from './png/index.js';
