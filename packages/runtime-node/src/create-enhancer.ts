import { createEnhancerWithBackend } from '@enhance/core';
import type { Enhancer, EnhancerOptions } from '@enhance/core';
import { nodeBackend } from './node-backend.js';

/** An enhancer running on onnxruntime-node ('auto' device: CUDA when it loads, else CPU). */
export function createEnhancer(options: EnhancerOptions): Promise<Enhancer> {
  return createEnhancerWithBackend(nodeBackend, options);
}
