export * from './power-spectrum.js';
export * from './psf-spectrum-comparison.js';
export * from './convolution-timing.js';
