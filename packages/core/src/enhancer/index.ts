export * from './enhance-backend.js';
export * from './enhancer.js';
export * from './enhancer-errors.js';
export * from './model-info.js';
export * from './normalisation.js';
export * from './onnx-model-summary.js';
export * from './progress.js';
export * from './tile-plan.js';
