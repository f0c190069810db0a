import * as ort from 'onnxruntime-node';
import { sha256Hex } from '@enhance/core';
import {
  createEnhanceModel,
  createRandom,
  loadEnhanceWeights,
  quantizeEnhanceModel,
  QuantizationError,
  type ActivationRange,
  type CalibrationBatch,
  type EnhanceUpsampling,
} from '@enhance/graph-builder';
import { loadTeacher } from '../train/distillation.js';
import { buildEnhanceTrainingStep, NEXT_STATE_PREFIX } from '../train/enhance-training-step.js';
import { learningRateAt } from '../train/train.js';
import { relativeRmsDifference } from './quantize-with-calibration.js';

/**
 * The ×2 tail of the trained graph and of the int8 model exported from it: one form for both, so that
 * the int8 model rounds the conv_up kernels the training simulated (the written form's 3×3 ones).
 */
const QAT_UPSAMPLING: EnhanceUpsampling = 'resize';

/**
 * Quantisation-aware training (QAT) of an int8 model: the fp32 model is the teacher, and a copy of it
 * (batch norms folded, as the int8 model has them) is trained to reproduce the teacher's outputs while
 * its forward pass computes what the int8 model computes — every activation the int8 model rounds to
 * uint8 and every int8 weight rounded the same way, with the gradients going straight through the
 * rounding. Its weights then make the int8 model; the fp32 model itself is not changed. What it is
 * measured by is what the int8 model is for: its relative RMS difference from the fp32 model.
 */
export const QAT_DEFAULTS = Object.freeze({ learningRate: 1e-5, batchSize: 16, validateEvery: 100, seed: 20260105 });

export interface QuantizationAwareTrainingOptions {
  /** The calibrated ranges the int8 model will use (fixed during training). */
  ranges: ReadonlyMap<string, ActivationRange>;
  float32Layers?: readonly string[];
  /** Side of the training input patches. */
  patchSize: number;
  /** `count` training input patches (p × p each, network units), drawn with `random`. */
  sampleInputs(count: number, random: () => number): Float32Array;
  /** Patches (not trained on) on which the int8 model's distance from fp32 chooses the best weights. */
  selection: readonly CalibrationBatch[];
  steps: number;
  learningRate?: number;
  batchSize?: number;
  /** Steps between measurements on `selection` (and at the start and the end). */
  validateEvery?: number;
  seed?: number;
  /** onnxruntime intra-op threads (0: one per core). */
  threads?: number;
  /** Start from these folded fp32 weights (a student written by an earlier run) instead of the teacher's. */
  initialWeights?: Record<string, Float32Array>;
  /** Metadata of the int8 model: what the ranges were calibrated on. */
  calibration?: Record<string, unknown>;
  log?: (line: string) => void;
  /** Aborting ends the run after the current step; the best weights so far are returned. */
  signal?: AbortSignal;
  /** Names the fp32 model in errors and metadata. */
  file?: string;
}

export interface QuantizationAwareTrainingResult {
  /** The int8 model of the best weights (metadata: QAT, the fp32 teacher's SHA-256). */
  int8: Uint8Array;
  /** The same int8 model with further metadata entries. */
  int8With(metadata: Record<string, string>): Uint8Array;
  /** The best weights as a float32 model (batch norms folded): the student, for resuming. */
  student: Uint8Array;
  /** Relative RMS int8 vs fp32 on the selection patches before training (the weights as given). */
  before: number;
  best: { step: number; relativeRms: number };
  history: { step: number; relativeRms: number }[];
  stepsRun: number;
  stopped: boolean;
}

export async function quantizationAwareTraining(
  fp32Bytes: Uint8Array,
  options: QuantizationAwareTrainingOptions,
): Promise<QuantizationAwareTrainingResult> {
  const {
    ranges,
    float32Layers,
    patchSize,
    steps,
    learningRate = QAT_DEFAULTS.learningRate,
    batchSize = QAT_DEFAULTS.batchSize,
    validateEvery = QAT_DEFAULTS.validateEvery,
    seed = QAT_DEFAULTS.seed,
    threads = 0,
    file,
  } = options;
  const log = options.log ?? (() => {});
  if (!Number.isInteger(steps) || steps < 0 || !Number.isInteger(batchSize) || batchSize < 1 || !(learningRate > 0)) {
    throw new QuantizationError({
      code: 'QUANTIZE_OPTION',
      file,
      message: `quantisation-aware training needs steps ≥ 0, batch size ≥ 1 and a positive learning rate (got ${steps}, ${batchSize}, ${learningRate})`,
      details: { steps, batchSize, learningRate },
    });
  }
  const teacherModel = loadEnhanceWeights(fp32Bytes, file);
  const kind = teacherModel.kind;
  if (!kind || !teacherModel.foldedBatchNorm) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: !kind ? "the model's metadata names no kind" : 'quantisation-aware training starts from a model with its batch norms folded',
      details: {},
    });
  }
  const { architecture } = teacherModel;
  const teacher = await loadTeacher(fp32Bytes, file ?? 'fp32 model', kind, threads);
  const step = buildEnhanceTrainingStep({
    architecture,
    batchSize,
    patchSize,
    l2: 0,
    foldedBatchNorm: true,
    upsampling: QAT_UPSAMPLING,
    fakeQuantization: { ranges, ...(float32Layers ? { float32Layers } : {}) },
  });
  const state = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const spec of step.parameters) {
    const value = (options.initialWeights ?? teacherModel.weights)[spec.name];
    if (!value || value.length !== spec.shape.reduce((p, d) => p * d, 1)) {
      throw new QuantizationError({
        code: 'QUANTIZE_MODEL',
        file,
        message: `the initial weights lack '${spec.name}' or give it the wrong size`,
        details: { name: spec.name },
      });
    }
    state.set(spec.name, Float32Array.from(value));
    shapes.set(spec.name, [...spec.shape]);
  }
  for (const o of step.optimizerState) {
    state.set(o.name, new Float32Array(o.shape.reduce((p, d) => p * d, 1)));
    shapes.set(o.name, [...o.shape]);
  }

  const teacherSha = sha256Hex(fp32Bytes);
  const studentBytes = () =>
    createEnhanceModel({
      kind,
      architecture,
      weights: Object.fromEntries(step.parameters.map((s) => [s.name, state.get(s.name)!])),
      provenance: teacherModel.provenance ?? 'unspecified',
      metadata: { ...teacherModel.metadata, qat_teacher_sha256: teacherSha },
      upsampling: QAT_UPSAMPLING,
    });
  const int8Of = (student: Uint8Array, metadata: Record<string, string>) =>
    quantizeEnhanceModel(student, {
      ranges,
      ...(float32Layers ? { float32Layers } : {}),
      calibration: options.calibration,
      file,
      metadata: { ...metadata, float32_model_sha256: teacherSha },
    });
  const measure = async (student: Uint8Array) => relativeRmsDifference(fp32Bytes, int8Of(student, {}), options.selection, threads);

  const session = await ort.InferenceSession.create(step.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  });
  const random = createRandom(seed);
  const warmupSteps = Math.min(50, Math.floor(steps / 10));
  const history: { step: number; relativeRms: number }[] = [];
  let bestStudent = studentBytes();
  const before = await measure(bestStudent);
  let best = { step: 0, relativeRms: before };
  history.push({ ...best });
  log(`qat step 0: int8 vs fp32 ${(100 * before).toFixed(3)}% relative RMS on ${countPatches(options.selection)} selection patches`);
  let done = 0;
  let stopped = false;
  let windowMse = 0;
  let windowStart = performance.now();
  const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);
  try {
    while (done < steps) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const inputs = options.sampleInputs(batchSize, random);
      const targets = await teacher.run(inputs, batchSize, patchSize);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, data] of state) feeds[name] = new ort.Tensor('float32', data, shapes.get(name)!);
      feeds.step = scalar(done + 1);
      feeds.learning_rate = scalar(learningRateAt({ learningRate, warmupSteps }, done + 1));
      feeds.input = new ort.Tensor('float32', inputs, step.batchInputs.input);
      feeds.target = new ort.Tensor('float32', targets, step.batchInputs.target);
      const out = await session.run(feeds);
      const mse = Number(out.mse.data[0]);
      if (!Number.isFinite(mse)) {
        throw new QuantizationError({
          code: 'QUANTIZE_MODEL',
          file,
          message: `quantisation-aware training diverged at step ${done + 1} (loss ${mse}); try a smaller learning rate`,
          details: { step: done + 1 },
        });
      }
      for (const name of shapes.keys()) state.set(name, out[`${NEXT_STATE_PREFIX}${name}`].data as Float32Array);
      done++;
      windowMse += mse;
      if (done % validateEvery === 0 || done === steps) {
        const candidate = studentBytes();
        const relativeRms = await measure(candidate);
        history.push({ step: done, relativeRms });
        const improved = relativeRms < best.relativeRms;
        if (improved) {
          best = { step: done, relativeRms };
          bestStudent = candidate;
        }
        const rate = (validateEvery * batchSize) / ((performance.now() - windowStart) / 1000);
        log(
          `qat step ${done}/${steps}: mse to fp32 ${(windowMse / (done % validateEvery || validateEvery)).toExponential(3)}, ` +
            `int8 vs fp32 ${(100 * relativeRms).toFixed(3)}%${improved ? ' best' : ''} (${rate.toFixed(1)} patches/s)`,
        );
        windowMse = 0;
        windowStart = performance.now();
      }
    }
  } finally {
    await session.release();
    await teacher.release();
  }
  const qatMetadata = {
    quantization_aware_training: JSON.stringify({
      method: "weights trained to reproduce the fp32 model's outputs with the int8 arithmetic simulated (straight-through gradients)",
      steps: best.step,
      steps_run: done,
      batch_size: batchSize,
      learning_rate: learningRate,
      warmup_steps: warmupSteps,
      seed,
      patch_size: patchSize,
      selection_patches: countPatches(options.selection),
      selection_relative_rms: { before: Number(before.toPrecision(4)), after: Number(best.relativeRms.toPrecision(4)) },
      ...(options.initialWeights ? { continued_from_student: true } : {}),
    }),
    float32_student_sha256: sha256Hex(bestStudent),
  };
  const int8With = (metadata: Record<string, string>) => int8Of(bestStudent, { ...qatMetadata, ...metadata });
  return { int8: int8With({}), int8With, student: bestStudent, before, best, history, stepsRun: done, stopped };
}

function countPatches(batches: readonly CalibrationBatch[]): number {
  return batches.reduce((n, b) => n + b.dims[0], 0);
}
