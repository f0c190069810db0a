import { describe, expect, it } from 'vitest';
import { enhanceJobId } from './enhance-job.js';

const job = {
  inputSha256: 'a'.repeat(64),
  kind: null,
  modelSha256: { intensity: 'b'.repeat(64), blos: 'c'.repeat(64) },
  settings: { scale: 'auto' as const, tileSize: null, maxMemoryMB: null },
};

describe('enhanceJobId', () => {
  it('is a digest of the input, the models and the settings: the same work gets the same id, on any machine', () => {
    expect(enhanceJobId(job)).toMatch(/^enhance-[0-9a-f]{64}$/);
    expect(enhanceJobId({ ...job, modelSha256: { blos: 'c'.repeat(64), intensity: 'b'.repeat(64) } })).toBe(enhanceJobId(job));
    const others = [
      { ...job, inputSha256: 'd'.repeat(64) },
      { ...job, kind: 'intensity' as const },
      { ...job, modelSha256: { intensity: 'b'.repeat(64) } },
      { ...job, settings: { ...job.settings, scale: 1000 } },
      { ...job, settings: { ...job.settings, tileSize: 512 } },
      { ...job, settings: { ...job.settings, maxMemoryMB: 320 } },
    ];
    const ids = new Set([job, ...others].map(enhanceJobId));
    expect(ids.size).toBe(others.length + 1);
  });
});
