export * from './solar-image.js';
export * from './super-resolved-header.js';
export * from './validate-for-enhance.js';
export * from './detect-enhance-kind.js';
