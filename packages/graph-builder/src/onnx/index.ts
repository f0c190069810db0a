export * from './onnx-data-types.js';
export * from './onnx-model-error.js';
export * from './encode-model.js';
export * from './read-model.js';
export * from './graph-statistics.js';
