export * from '@enhance/core';
export * from './create-enhancer.js';
export * from './web-enhancer-options.js';
export * from './web-runtime-error.js';
export * from './web-backend.js';
export * from './configure-onnxruntime-web.js';
export * from './image-statistics.js';
export * from './display-pixels.js';
export { setBundleUrl } from './asset-base.js';
