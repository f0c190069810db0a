export * from './enhance-network-error.js';
export * from './enhance-parameter-specs.js';
export * from './random.js';
export * from './enhance-weights.js';
export * from './enhance-network.js';
export * from './enhance-model.js';
export * from './enhance-reference.js';
export * from './package-version.js';
