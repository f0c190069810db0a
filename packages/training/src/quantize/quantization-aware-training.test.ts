import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readEnhanceModelInfo, sha256Hex } from '@enhance/core';
import {
  calibrateActivations,
  createEnhanceModel,
  initializeEnhanceWeights,
  quantizationPlan,
  quantizeEnhanceModel,
  type CalibrationBatch,
} from '@enhance/graph-builder';
import { quantizationAwareTraining } from './quantization-aware-training.js';
import { relativeRmsDifference } from './quantize-with-calibration.js';

const architecture = { depth: 2, filters: 8 };
const size = 16;

/** Granulation-like patches: a level, a few random waves and noise. */
function patches(count: number, random: () => number): Float32Array {
  const data = new Float32Array(count * size * size);
  for (let n = 0; n < count; n++) {
    const waves = Array.from({ length: 3 }, () => [0.3 + random(), 0.3 + random(), 6 * random(), 0.05 + 0.05 * random()]);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 1 + 0.02 * (random() - 0.5);
        for (const [kx, ky, phase, amplitude] of waves) v += amplitude * Math.sin(kx * x + ky * y + phase);
        data[n * size * size + y * size + x] = v;
      }
    }
  }
  return data;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const batchesOf = (seed: number, count: number): CalibrationBatch[] => [
  { dims: [count, 1, size, size], data: patches(count, seeded(seed)) },
];

describe('quantizationAwareTraining', () => {
  it('brings the int8 model closer to fp32 on patches it did not train or select on', async () => {
    const weights = initializeEnhanceWeights(architecture, { seed: 3 });
    const fp32 = createEnhanceModel({ kind: 'intensity', architecture, weights, foldBatchNorm: true, provenance: 'test teacher' });
    const calibration = await calibrateActivations(fp32, {
      tensors: quantizationPlan(fp32).tensors,
      batches: batchesOf(1, 32),
      runtime: ort,
      threads: 1,
    });
    const ranges = calibration.ranges({ method: 'minmax' });
    const heldOut = batchesOf(99, 16);
    const plain = quantizeEnhanceModel(fp32, { ranges });
    const result = await quantizationAwareTraining(fp32, {
      ranges,
      patchSize: size,
      sampleInputs: (count, random) => patches(count, random),
      selection: batchesOf(7, 16),
      steps: 60,
      batchSize: 8,
      learningRate: 3e-4,
      validateEvery: 20,
      threads: 1,
      file: 'dir/teacher.onnx',
    });
    expect(result.history.map((h) => h.step)).toEqual([0, 20, 40, 60]);
    expect(result.best.relativeRms).toBeLessThan(0.8 * result.before);
    const [plainError, trainedError] = await Promise.all([plain, result.int8].map((m) => relativeRmsDifference(fp32, m, heldOut, 1)));
    expect(trainedError).toBeLessThan(0.8 * plainError);
    // The int8 model stands for the fp32 model it was trained against, not for the student.
    const info = readEnhanceModelInfo(result.int8, 'qat.onnx');
    expect(info.metadata.precision).toBe('int8');
    expect(info.metadata.float32_model_sha256).toBe(sha256Hex(fp32));
    expect(info.metadata.float32_model).toBe('teacher.onnx');
    expect(info.metadata.float32_student_sha256).toBe(sha256Hex(result.student));
    expect(JSON.parse(info.metadata.quantization_aware_training)).toMatchObject({ steps: result.best.step, steps_run: 60, batch_size: 8 });
    // The student is a float32 model of the same network, its weights moved.
    expect(readEnhanceModelInfo(result.student, 'student.onnx').metadata.qat_teacher_sha256).toBe(sha256Hex(fp32));
    expect(sha256Hex(result.student)).not.toBe(sha256Hex(fp32));
  });

  it('refuses a model whose batch norms are not folded', async () => {
    const separate = createEnhanceModel({ kind: 'intensity', architecture, seed: 1 });
    await expect(
      quantizationAwareTraining(separate, {
        ranges: new Map(),
        patchSize: size,
        sampleInputs: (count, random) => patches(count, random),
        selection: batchesOf(7, 2),
        steps: 1,
      }),
    ).rejects.toThrow(/folded/);
  });
});
