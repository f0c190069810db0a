import { describe, expect, it } from 'vitest';
import { MAX_DEFAULT_WASM_THREADS, defaultWasmThreadCount } from './configure-onnxruntime-web.js';

describe('defaultWasmThreadCount', () => {
  it('is one thread per logical core on a cross-origin isolated page, capped', () => {
    const isolated = (cores: number | undefined) =>
      defaultWasmThreadCount({ crossOriginIsolated: true, navigator: { hardwareConcurrency: cores } });
    expect([1, 2, 6, 16].map(isolated)).toEqual([1, 2, 6, 16]);
    expect(isolated(64)).toBe(MAX_DEFAULT_WASM_THREADS);
    expect(MAX_DEFAULT_WASM_THREADS).toBe(16);
    expect([0, Number.NaN, undefined].map(isolated)).toEqual([1, 1, 1]);
  });

  it('is one thread when the page is not cross-origin isolated (no SharedArrayBuffer)', () => {
    expect(defaultWasmThreadCount({ crossOriginIsolated: false, navigator: { hardwareConcurrency: 8 } })).toBe(1);
    expect(defaultWasmThreadCount({ navigator: { hardwareConcurrency: 8 } })).toBe(1);
  });
});
