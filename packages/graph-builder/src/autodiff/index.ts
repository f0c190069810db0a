export * from './autodiff-error.js';
export * from './gradient-context.js';
export * from './gradient-rules.js';
export * from './autodiff.js';
