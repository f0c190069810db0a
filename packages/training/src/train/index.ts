export * from './training-error.js';
export * from './seeded-random.js';
export * from './checkpoint-store.js';
export * from './training-data.js';
export * from './train-options.js';
export * from './validation-model.js';
export * from './train.js';
export * from './enhance-training-data.js';
