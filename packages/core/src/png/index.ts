export * from './encode-png.js';
export * from './enhance-preview.js';
