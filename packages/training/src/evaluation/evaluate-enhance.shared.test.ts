import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFileName } from '@enhance/core';
import { createEnhanceModel } from '@enhance/graph-builder';
import { evaluateEnhance, HMI_CONTINUUM_FILES, HMI_EXTRA_CONTINUUM_FILES } from './evaluate-enhance.js';

const sharedDir = fileURLToPath(new URL('../../../../../shared', import.meta.url));

describe('evaluateEnhance on ../shared (intensity, an untrained lite model)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('scores every method, and Richardson–Lucy beats bicubic against the 28 cm target', async () => {
    const modelsDir = await mkdtemp(join(tmpdir(), 'enhance-models-'));
    dirs.push(modelsDir);
    await writeFile(
      join(modelsDir, modelFileName('intensity', 'lite')),
      createEnhanceModel({ kind: 'intensity', architecture: 'lite', seed: 4 }),
    );
    const result = await evaluateEnhance({ sharedDir, modelsDir, kinds: ['intensity'] });
    expect(result.models.map((m) => m.metadata.trained)).toEqual(['false']);
    const scores = Object.fromEntries(result.validation[0].scores.map((s) => [s.method, s.relativeRmsError]));
    expect(Object.keys(scores)).toEqual(['bicubic', 'Richardson–Lucy 20 it.', 'Enhance lite']);
    expect(scores['Richardson–Lucy 20 it.']).toBeLessThan(scores.bicubic);
    // RL restores granulation contrast on real HMI quiet Sun (paper: ≈3.7% → ≈7% for Enhance).
    const quietSun = result.continuum.find((c) => c.image.includes('qs') && c.method.startsWith('Richardson'));
    expect(quietSun?.contrastBefore).toBeCloseTo(0.0377, 3);
    expect(quietSun?.contrastAfter).toBeGreaterThan(0.05);
    expect(result.pictures.map((p) => p.kind)).toEqual(['intensity', 'intensity']);
    // The paper's checks cover every real continuum image, off-disk pixels excluded from the mean.
    const checked = result.checks.filter((c) => c.method === 'Enhance lite');
    expect(checked.map((c) => c.image)).toEqual(expect.arrayContaining([...HMI_EXTRA_CONTINUUM_FILES, ...HMI_CONTINUUM_FILES]));
    for (const c of checked) {
      expect(Number.isFinite(c.meanRatio)).toBe(true);
      expect(c.beyondCutoff).toBeGreaterThanOrEqual(0);
      expect(c.streakIndex).toBeGreaterThanOrEqual(1);
      expect(c.streakIndexInput).toBeGreaterThanOrEqual(1);
    }
    // The near-limb frame's foreshortened granulation is elongated along one axis in the input itself.
    const limb = checked.find((c) => c.image === 'hmi_ic_near_limb_400x500.fits');
    expect(limb!.streakIndexInput).toBeGreaterThan(3);
    // RL against the same bicubic input: its mean stays within a few per cent on the near-limb frame.
    const rlLimb = result.checks.find((c) => c.method.startsWith('Richardson'));
    expect(rlLimb === undefined || Math.abs(rlLimb.meanRatio! - 1) < 0.05).toBe(true);
  });
});
