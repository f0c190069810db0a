export * from './power-spectrum.js';
export * from './psf-spectrum-comparison.js';
