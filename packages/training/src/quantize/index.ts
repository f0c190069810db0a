export * from './calibration-patches.js';
export * from './quantize-with-calibration.js';
export * from './quantization-aware-training.js';
