import { describe, expect, it } from 'vitest';
import { webEnhancerBackend } from './web-enhancer-backend.js';

describe('webEnhancerBackend', () => {
  it('gives the session the WebAssembly threads in effect only when a count was asked for and there are several', () => {
    const threads = (asked: number | undefined, wasmThreads: number) => webEnhancerBackend({ threads: asked }, wasmThreads).threads;
    expect(threads(4, 4)).toBe(4);
    expect(threads(4, 1)).toBe(0);
    expect(threads(undefined, 8)).toBe(0);
    expect(threads(0, 8)).toBe(0);
  });

  it('is a web backend whatever the device', () => {
    for (const device of ['auto', 'webgpu', 'wasm'] as const) expect(webEnhancerBackend({ device }, 1).backend.platform).toBe('web');
  });
});
