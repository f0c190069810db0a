export {};
export * from './train/index.js';
export * from './data/index.js';
export * from './physics/index.js';
export * from './plot/index.js';
export * from './evaluation/index.js';
export * from './quantize/index.js';
