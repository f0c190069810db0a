export * from './bitmap-font.js';
export * from './line-plot.js';
export * from './raster.js';
export * from './image-panels.js';
