export * from './calibration-patches.js';
export * from './quantize-with-calibration.js';
