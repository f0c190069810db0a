export {};
export * from './train/index.js';
