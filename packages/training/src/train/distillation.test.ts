import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { createEnhanceModel, enhanceReferenceForward, initializeEnhanceWeights, loadEnhanceWeights } from '@enhance/graph-builder';
import { loadTeacher, withTeacherTargets } from './distillation.js';
import { train } from './train.js';
import type { TrainingBatch, TrainingData } from './training-data.js';
import type { TrainOptions } from './train-options.js';
import { tinyRunOptions } from './run-options.test-helper.js';

const P = 6;

/** Smooth random-ish inputs; the targets are deliberately useless (zeros): only a teacher can give them meaning. */
function inputsOnlyData(): TrainingData {
  const patch = (ox: number, oy: number) =>
    Float32Array.from({ length: P * P }, (_, i) => 1 + 0.2 * Math.sin(0.9 * ((i % P) + ox)) * Math.cos(0.6 * (Math.floor(i / P) + oy)));
  const batchOf = (inputs: Float32Array[]): TrainingBatch => {
    const all = new Float32Array(inputs.length * P * P);
    inputs.forEach((p, i) => all.set(p, i * P * P));
    return { count: inputs.length, inputs: all, targets: new Float32Array(inputs.length * 4 * P * P) };
  };
  const validation = Array.from({ length: 5 }, (_, i) => patch(2 * i, 3 * i + 1));
  return {
    patchSize: P,
    train: { sampleBatch: (count, random) => batchOf(Array.from({ length: count }, () => patch(20 * random(), 20 * random()))) },
    validation: {
      *batches(n) {
        for (let i = 0; i < validation.length; i += n) yield batchOf(validation.slice(i, i + n));
      },
    },
    description: { synthetic: 'sin/cos inputs, zero targets' },
  };
}

const teacherArchitecture = { depth: 1, filters: 6 };
const teacherWeights = initializeEnhanceWeights(teacherArchitecture, { seed: 11 });
const teacherBytes = () =>
  createEnhanceModel({ kind: 'intensity', architecture: teacherArchitecture, weights: teacherWeights, foldBatchNorm: true });

const tiny = tinyRunOptions('enhance-distil-');
const options = (overrides: Partial<TrainOptions> = {}) => tiny({ steps: 60, seed: 5, validateEvery: 20, logEvery: 20, ...overrides });

describe('distillation (--teacher)', () => {
  test("the targets become the teacher's outputs: validation matches a float64 forward pass of the teacher", async () => {
    const teacher = await loadTeacher(teacherBytes(), '/models/teacher.onnx', 'intensity', 1);
    try {
      const data = await withTeacherTargets(inputsOnlyData(), teacher, 2);
      expect(data.description.distilled_from).toMatchObject({
        file: '/models/teacher.onnx',
        kind: 'intensity',
        architecture: teacherArchitecture,
      });
      let patches = 0;
      // Re-cut into batches of 3 (the targets were computed in batches of 2).
      for (const batch of data.validation.batches(3)) {
        for (let n = 0; n < batch.count; n++) {
          const reference = enhanceReferenceForward(
            { height: P, width: P, data: batch.inputs.subarray(n * P * P, (n + 1) * P * P) },
            teacherWeights,
            teacherArchitecture,
          );
          const got = batch.targets.subarray(n * 4 * P * P, (n + 1) * 4 * P * P);
          let worst = 0;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - reference.data[i]));
          expect(worst).toBeLessThan(1e-4);
          patches++;
        }
      }
      expect(patches).toBe(5);
      // The validation groups (per-source errors) stay as they were.
      expect(data.validation.groups).toBeUndefined();
      const groups = [
        { name: 'a', patches: 2 },
        { name: 'b', patches: 3 },
      ];
      const source = inputsOnlyData();
      const grouped = await withTeacherTargets({ ...source, validation: { ...source.validation, groups } }, teacher, 2);
      expect(grouped.validation.groups).toEqual(groups);
      // Training batches are relabelled the same way.
      const drawn = data.train.sampleBatch(2, () => 0.25);
      const relabelled = await data.train.relabel!(drawn);
      expect(relabelled.inputs).toBe(drawn.inputs);
      const reference = enhanceReferenceForward(
        { height: P, width: P, data: drawn.inputs.subarray(0, P * P) },
        teacherWeights,
        teacherArchitecture,
      );
      expect(Math.abs(relabelled.targets[7] - reference.data[7])).toBeLessThan(1e-4);
    } finally {
      await teacher.release();
    }
  });

  test('a student trained on the teacher approaches it (the zero targets alone would teach nothing of it)', async () => {
    const teacher = await loadTeacher(teacherBytes(), 'teacher.onnx', 'intensity', 1);
    try {
      const opts = await options();
      const { record } = await train(opts, await withTeacherTargets(inputsOnlyData(), teacher), {});
      expect(record.best!.validationMse).toBeLessThan(0.2 * record.validationHistory[0].mse);
      const metadata = loadEnhanceWeights(new Uint8Array(await readFile(opts.exportPath!))).metadata;
      expect(JSON.parse(metadata.training_data).distilled_from.sha256).toBe(teacher.source.sha256);
    } finally {
      await teacher.release();
    }
  });

  test('refuses a teacher of the other kind, and a resume with another teacher or none', async () => {
    await expect(loadTeacher(teacherBytes(), 'teacher.onnx', 'blos', 1)).rejects.toThrow(
      /the teacher is a intensity model, the run trains a blos network/,
    );
    const teacher = await loadTeacher(teacherBytes(), 'teacher.onnx', 'intensity', 1);
    const other = await loadTeacher(
      createEnhanceModel({ kind: 'intensity', architecture: teacherArchitecture, seed: 12, foldBatchNorm: true }),
      'other.onnx',
      'intensity',
      1,
    );
    try {
      const opts = await options({ steps: 2, validateEvery: 2 });
      await train(opts, await withTeacherTargets(inputsOnlyData(), teacher), {});
      const again = { ...opts, steps: 4 };
      await expect(train(again, inputsOnlyData(), { resume: true })).rejects.toThrow(
        /distilled from teacher\.onnx .*give that model as --teacher again/,
      );
      await expect(train(again, await withTeacherTargets(inputsOnlyData(), other), { resume: true })).rejects.toThrow(
        /give that model as --teacher again/,
      );
      const { record } = await train(again, await withTeacherTargets(inputsOnlyData(), teacher), { resume: true });
      expect(record.step).toBe(4);
    } finally {
      await teacher.release();
      await other.release();
    }
  });
});
