import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { loadEnhanceWeights } from '@enhance/graph-builder';
import { readCheckpoint } from './checkpoint-store.js';
import { SeededRandom } from './seeded-random.js';
import { learningRateAt, provenanceOf, train, type RunRecord } from './train.js';
import type { TrainingBatch, TrainingData } from './training-data.js';
import { tinyRunOptions } from './run-options.test-helper.js';

/** A learnable toy problem: targets are a smooth field, inputs its 2×2 block means (plus noise in training). */
function syntheticData(patchSize: number): TrainingData {
  const size = 4 * patchSize;
  const field = (x: number, y: number) => Math.sin(0.7 * x) * Math.cos(0.45 * y) + 0.3 * Math.sin(0.2 * (x + 2 * y));
  const pair = (ox: number, oy: number, noise: () => number) => {
    const target = new Float32Array(4 * patchSize * patchSize);
    const input = new Float32Array(patchSize * patchSize);
    for (let y = 0; y < 2 * patchSize; y++)
      for (let x = 0; x < 2 * patchSize; x++) target[y * 2 * patchSize + x] = field(2 * ox + x, 2 * oy + y);
    for (let y = 0; y < patchSize; y++) {
      for (let x = 0; x < patchSize; x++) {
        const t = (dx: number, dy: number) => target[(2 * y + dy) * 2 * patchSize + 2 * x + dx];
        input[y * patchSize + x] = (t(0, 0) + t(1, 0) + t(0, 1) + t(1, 1)) / 4 + noise();
      }
    }
    return { input, target };
  };
  const batchOf = (pairs: { input: Float32Array; target: Float32Array }[]): TrainingBatch => {
    const inputs = new Float32Array(pairs.length * patchSize * patchSize);
    const targets = new Float32Array(pairs.length * 4 * patchSize * patchSize);
    pairs.forEach((p, i) => {
      inputs.set(p.input, i * p.input.length);
      targets.set(p.target, i * p.target.length);
    });
    return { count: pairs.length, inputs, targets };
  };
  const validationPairs = Array.from({ length: 6 }, (_, i) => pair(3 * i, 2 * i + 1, () => 0));
  return {
    patchSize,
    train: {
      sampleBatch: (count, random) =>
        batchOf(
          Array.from({ length: count }, () =>
            pair(Math.floor(random() * size), Math.floor(random() * size), () => 0.01 * (random() - 0.5)),
          ),
        ),
    },
    validation: {
      *batches(n) {
        for (let i = 0; i < validationPairs.length; i += n) yield batchOf(validationPairs.slice(i, i + n));
      },
    },
    description: { synthetic: 'sin/cos field, 2×2 block means' },
  };
}

const options = tinyRunOptions('enhance-train-');

describe('train (CI smoke: tiny network, synthetic data)', () => {
  test('the validation error goes down, the best weights are exported as a working inference model', async () => {
    const opts = await options({});
    const lines: string[] = [];
    const { record } = await train(opts, syntheticData(6), { log: (l) => lines.push(l) });
    const history = record.validationHistory;
    expect(history[0].step).toBe(0);
    expect(record.best!.validationMse).toBeLessThan(0.5 * history[0].mse);
    expect(record.patchesSeen).toBe(40 * 4);
    expect(lines.some((l) => /^step 40\/40 loss \S+ mse \S+ [\d.]+ patches\/s ETA/.test(l))).toBe(true);

    const bytes = new Uint8Array(await readFile(opts.exportPath!));
    const info = loadEnhanceWeights(bytes);
    expect(info.kind).toBe('intensity');
    expect(info.foldedBatchNorm).toBe(true);
    expect(info.metadata.training_steps).toBe(String(record.best!.step));
    expect(Number(info.metadata.training_validation_mse)).toBe(record.best!.validationMse);
    // The exported model reproduces the validation error of the best weights.
    const data = syntheticData(6);
    const session = await ort.InferenceSession.create(bytes);
    let sum = 0;
    let count = 0;
    for (const batch of data.validation.batches(1)) {
      const out = (await session.run({ image: new ort.Tensor('float32', batch.inputs, [1, 1, 6, 6]) })).enhanced.data as Float32Array;
      out.forEach((v, i) => {
        sum += (v - batch.targets[i]) ** 2;
        count += 1;
      });
    }
    expect(Math.abs(sum / count - record.best!.validationMse)).toBeLessThan(1e-4 * record.best!.validationMse + 1e-7);
    await session.release();
  });

  test('with validation groups, each validation line also gives the error per source', async () => {
    const opts = await options({ steps: 10 });
    const lines: string[] = [];
    const data = syntheticData(6);
    const groups = [
      { name: 'first block', patches: 2 },
      { name: 'second block', patches: 4 },
    ];
    await train(opts, { ...data, validation: { ...data.validation, groups } }, { log: (l) => lines.push(l) });
    const validations = lines.filter((l) => l.startsWith('validation step'));
    expect(validations.length).toBeGreaterThan(0);
    for (const line of validations) {
      const match = line.match(/mse (\S+) .*; by source: first block (\S+), second block (\S+)$/);
      expect(match, line).not.toBeNull();
      // The overall error is the patch-weighted mean of the two (to the 4 digits the line prints).
      const [total, first, second] = match!.slice(1).map(Number);
      expect((2 * first + 4 * second) / 6).toBeCloseTo(total, Math.max(0, -Math.floor(Math.log10(total))) + 2);
    }
  });

  test('--select-on sources: the best weights are those of the lowest mean over sources, and resuming with another choice forgets them', async () => {
    const opts = await options({ steps: 12, validateEvery: 2, selectOn: 'sources' });
    const data = syntheticData(6);
    // One patch against five: the overall error is mostly the second block's.
    const grouped = {
      ...data,
      validation: {
        ...data.validation,
        groups: [
          { name: 'one', patches: 1 },
          { name: 'five', patches: 5 },
        ],
      },
    };
    const lines: string[] = [];
    const { record } = await train(opts, grouped, { log: (l) => lines.push(l) });
    const history = record.validationHistory;
    expect(history).toHaveLength(7);
    for (const [i, entry] of history.entries()) {
      const match = lines.filter((l) => l.startsWith('validation step'))[i].match(/; by source: one (\S+), five (\S+)$/);
      const [one, five] = match!.slice(1).map(Number);
      expect(entry.sources!).toBeCloseTo((one + five) / 2, Math.max(0, -Math.floor(Math.log10(entry.sources!))) + 2);
    }
    const lowest = history.reduce((a, b) => (b.sources! < a.sources! ? b : a));
    expect(record.best).toEqual({ step: lowest.step, validationMse: lowest.sources });
    expect(record.selectOn).toBe('sources');
    const saved = await readCheckpoint<RunRecord>(opts.runDir, 'best');
    expect(saved.extra.best!.step).toBe(lowest.step);
    const exported = loadEnhanceWeights(new Uint8Array(await readFile(opts.exportPath!)), 'model.onnx');
    expect(exported.metadata.training_best_selection).toMatch(/mean of the validation sources/);
    const resumed: string[] = [];
    const again = await train({ ...opts, steps: 14, selectOn: 'overall' }, grouped, { resume: true, log: (l) => resumed.push(l) });
    expect(resumed.some((l) => /best forgotten/.test(l))).toBe(true);
    expect(again.record.selectOn).toBeUndefined();
    expect(again.record.best).toEqual({ step: 14, validationMse: again.record.validationHistory.at(-1)!.mse });
  });

  test('a magnetogram model is exported with its zero-field offset taken out: zero in, zero out', async () => {
    const opts = await options({ kind: 'blos', steps: 10 });
    await train(opts, syntheticData(6), { log: () => {} });
    const bytes = new Uint8Array(await readFile(opts.exportPath!));
    const info = loadEnhanceWeights(bytes);
    const removed = Number.parseFloat(info.metadata.zero_field_offset_removed);
    expect(Number.isFinite(removed)).toBe(true);
    expect(removed).not.toBe(0);
    const session = await ort.InferenceSession.create(bytes);
    const zeros = new ort.Tensor('float32', new Float32Array(12 * 10), [1, 1, 10, 12]);
    const out = (await session.run({ [session.inputNames[0]]: zeros }))[session.outputNames[0]].data as Float32Array;
    for (const v of out) expect(Math.abs(v)).toBeLessThan(1e-6);
    await session.release();
  });

  test('with the consistency term and a warm-up: the term is logged, recorded, kept on resume and named in the recipe', async () => {
    const opts = await options({ steps: 4, validateEvery: 4, logEvery: 2, consistencyWeight: 0.5, warmupSteps: 10 });
    const lines: string[] = [];
    // 18×18 inputs: the 36×36 outputs hold the HMI PSF's 31-pixel core with room to compare.
    await train(opts, syntheticData(18), { log: (l) => lines.push(l) });
    expect(lines.some((l) => /^step 4\/4 loss \S+ mse \S+ consistency \S+ /.test(l))).toBe(true);
    const saved = await readCheckpoint<RunRecord>(opts.runDir, 'latest');
    expect(saved.extra.consistencyWeight).toBe(0.5);
    expect(saved.extra.warmupSteps).toBe(10);
    const resumed: string[] = [];
    await train({ ...opts, steps: 6, consistencyWeight: undefined, warmupSteps: undefined }, syntheticData(18), {
      resume: true,
      log: (l) => resumed.push(l),
    });
    expect(resumed.some((l) => /^step 6\/6 .* consistency /.test(l))).toBe(true);
    const recipe = JSON.parse(loadEnhanceWeights(new Uint8Array(await readFile(opts.exportPath!))).metadata.training_recipe);
    expect(recipe.loss).toContain('0.5 × physics consistency');
    expect(recipe.optimizer.warmup_steps).toBe(10);
  });

  test('a warm-started model says what it continues and how many patches it has seen in all', () => {
    const record = {
      best: { step: 600, validationMse: 1 },
      step: 700,
      batchSize: 32,
      warmStart: { file: '/x/warm-start.onnx', sha256: '0', patchesSeen: 56800, steps: 200 },
    } as unknown as RunRecord;
    expect(provenanceOf(record)).toBe(
      'trained by @enhance/training: 600 Adam steps of batch 32, best validation weights, continuing warm-start.onnx (56800 patches); 76000 patches in all',
    );
    expect(provenanceOf({ ...record, warmStart: undefined })).toBe(
      'trained by @enhance/training: 600 Adam steps of batch 32, best validation weights',
    );
  });

  test('the warm-up ramps the learning rate linearly, then holds it', () => {
    expect(learningRateAt({ learningRate: 1e-3, warmupSteps: 4 }, 1)).toBeCloseTo(2.5e-4, 12);
    expect(learningRateAt({ learningRate: 1e-3, warmupSteps: 4 }, 3)).toBeCloseTo(7.5e-4, 12);
    expect(learningRateAt({ learningRate: 1e-3, warmupSteps: 4 }, 4)).toBe(1e-3);
    expect(learningRateAt({ learningRate: 1e-3 }, 1)).toBe(1e-3);
  });

  test('a run stopped and resumed ends exactly where an uninterrupted run ends', async () => {
    const straight = await options({ steps: 6, validateEvery: 3, logEvery: 1 });
    await train(straight, syntheticData(5));
    const split = await options({ steps: 6, validateEvery: 3, logEvery: 1 });
    const controller = new AbortController();
    let steps = 0;
    await train(split, syntheticData(5), {
      signal: controller.signal,
      log: (l) => {
        if (l.startsWith('step ')) steps++;
        if (steps === 2) controller.abort();
      },
    });
    const partial = await readCheckpoint<RunRecord>(split.runDir, 'latest');
    expect(partial.extra.step).toBeLessThan(6);
    await train(split, syntheticData(5), { resume: true });
    const a = await readCheckpoint<RunRecord>(straight.runDir, 'latest');
    const b = await readCheckpoint<RunRecord>(split.runDir, 'latest');
    expect(b.extra.step).toBe(6);
    expect(b.extra.rngState).toEqual(a.extra.rngState);
    for (const [name, tensor] of a.tensors) expect(Array.from(b.tensors.get(name)!.data), name).toEqual(Array.from(tensor.data));
    expect(b.extra.validationHistory).toEqual(a.extra.validationHistory);
  });

  test('refuses to start over an existing run and to resume with another architecture', async () => {
    const opts = await options({ steps: 2 });
    await train(opts, syntheticData(5));
    await expect(train(opts, syntheticData(5))).rejects.toMatchObject({ code: 'TRAIN_BAD_OPTION' });
    await expect(train({ ...opts, architecture: { depth: 1, filters: 6 } }, syntheticData(5), { resume: true })).rejects.toMatchObject({
      code: 'TRAIN_CHECKPOINT_MISMATCH',
    });
  });
});

describe('SeededRandom', () => {
  test('continues the same stream from a saved state', () => {
    const a = SeededRandom.fromSeed(42);
    for (let i = 0; i < 10; i++) a.next();
    const b = SeededRandom.fromState(a.state());
    expect(Array.from({ length: 5 }, () => a.nextUint32())).toEqual(Array.from({ length: 5 }, () => b.nextUint32()));
  });

  test('is uniform enough: mean and variance of 20000 draws', () => {
    const r = SeededRandom.fromSeed(1);
    const xs = Array.from({ length: 20000 }, () => r.next());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
    const normals = Array.from({ length: 20000 }, () => r.normal());
    const nm = normals.reduce((s, x) => s + x, 0) / normals.length;
    const nv = normals.reduce((s, x) => s + (x - nm) ** 2, 0) / normals.length;
    expect(Math.abs(nm)).toBeLessThan(0.03);
    expect(Math.abs(nv - 1)).toBeLessThan(0.05);
  });
});
