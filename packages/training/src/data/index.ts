export * from './degrade-pair.js';
export * from './diffraction-pixel-scale.js';
export * from './largest-valid-rectangle.js';
export * from './load-training-set.js';
export * from './patch-sampler.js';
export * from './read-npy.js';
export * from './training-data-error.js';
export * from './synthetic-sunspots.js';
