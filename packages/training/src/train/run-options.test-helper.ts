import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { TrainOptions } from './train-options.js';

/**
 * Options for a tiny training run (a 1×4 intensity network, batch 4) in a fresh temporary run folder,
 * removed after the test file; `overrides` replace any field.
 */
export function tinyRunOptions(prefix: string): (overrides?: Partial<TrainOptions>) => Promise<TrainOptions> {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  return async (overrides = {}) => {
    const runDir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(runDir);
    return {
      kind: 'intensity',
      variant: 'custom',
      architecture: { depth: 1, filters: 4 },
      steps: 40,
      batchSize: 4,
      learningRate: 1e-2,
      l2: 1e-6,
      seed: 3,
      threads: 1,
      runDir,
      checkpointEvery: 1000,
      validateEvery: 10,
      logEvery: 10,
      exportPath: join(runDir, 'model.onnx'),
      ...overrides,
    };
  };
}
