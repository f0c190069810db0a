export * from '@enhance/core';
export * from './create-enhancer.js';
export * from './default-models.js';
export { nodeBackend } from './node-backend.js';
