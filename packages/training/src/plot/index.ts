export * from './render-svg.js';
export * from './line-plot.js';
export * from './image-panels.js';
export * from './log-axis.js';
