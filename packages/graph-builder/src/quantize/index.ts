export * from './quantization-error.js';
export * from './quantization-parameters.js';
export * from './activation-statistics.js';
export * from './calibrate-activations.js';
export * from './quantize-enhance-model.js';
export * from './fake-quantization.js';
