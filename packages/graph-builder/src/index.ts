export * from './builder/index.js';
export * from './onnx/index.js';
export * from './networks/index.js';
export * from './autodiff/index.js';
export * from './keras/index.js';
export * from './quantize/index.js';
