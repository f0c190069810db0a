import { describe, expect, it } from 'vitest';
import { enhanceJobId } from './enhance-job.js';

const job = {
  inputSha256: 'a'.repeat(64),
  kind: null,
  modelSha256: { intensity: 'b'.repeat(64), blos: 'c'.repeat(64) },
  settings: {
    scale: 'auto' as const,
    tileSize: null,
    maxMemoryMB: null,
    precision: null,
    qa: false,
    tta: 1 as const,
    limbNormalisation: 'off' as const,
  },
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
      { ...job, settings: { ...job.settings, precision: 'int8' as const } },
      { ...job, settings: { ...job.settings, precision: 'fp32' as const } },
      { ...job, settings: { ...job.settings, qa: true } },
      { ...job, settings: { ...job.settings, tta: 4 as const } },
      { ...job, settings: { ...job.settings, tta: 8 as const } },
      { ...job, settings: { ...job.settings, limbNormalisation: 'on' as const } },
      { ...job, settings: { ...job.settings, tta: 4 as const, qa: true } },
    ];
    const ids = new Set([job, ...others].map(enhanceJobId));
    expect(ids.size).toBe(others.length + 1);
  });

  it('keeps the id of a job submitted before the precision and quality options: they count only when set', () => {
    // The id the first release gave this job (from the input, the kind, the models and [scale, tileSize, maxMemoryMB]).
    expect(enhanceJobId(job)).toBe('enhance-1d7d501586c60ced249d397d5bb8b4512f01922b9c9fc0650898b395f919e9fd');
  });
});
