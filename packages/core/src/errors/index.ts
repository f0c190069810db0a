export * from './enhance-error.js';
