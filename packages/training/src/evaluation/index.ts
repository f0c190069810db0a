export * from './evaluate-enhance.js';
export * from './evaluation-error.js';
export * from './image-metrics.js';
export * from './model-card.js';
export * from './onnx-image-method.js';
export * from './artefact-metrics.js';
export * from './paper-checks.js';
