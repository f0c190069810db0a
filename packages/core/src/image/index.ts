export * from './solar-image.js';
export * from './super-resolved-header.js';
export * from './detect-enhance-kind.js';
export * from './solar-disk.js';
export * from './limb-darkening.js';
export * from './image-statistics.js';
