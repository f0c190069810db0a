export * from './power-spectrum.js';
