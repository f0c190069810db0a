import * as ort from 'onnxruntime-node';
import { INT8_HELD_OUT_RMS_KEY, readEnhanceModelInfo, type EnhanceKind, type ModelVariant } from '@enhance/core';
import {
  calibrateActivations,
  DEFAULT_FLOAT32_LAYERS,
  quantizationPlan,
  quantizeEnhanceModel,
  QuantizationError,
  type CalibrationBatch,
  type AddPrecision,
  type CalibrationMethodOptions,
} from '@enhance/graph-builder';
import { calibrationPatches, calibrationTrainingData, type CalibrationPatchOptions } from './calibration-patches.js';
import { quantizationAwareTraining, type QuantizationAwareTrainingOptions } from './quantization-aware-training.js';

export interface QuantizeWithCalibrationOptions extends Omit<CalibrationPatchOptions, 'sharedDir'> {
  sharedDir: string;
  method?: CalibrationMethodOptions;
  float32Layers?: readonly string[];
  addPrecision?: AddPrecision;
  /** Default true: biases absorb the mean shift of the rounded weights (see quantizeEnhanceModel). */
  biasCorrection?: boolean;
  threads?: number;
  /** Names the float32 model in errors and metadata. */
  file?: string;
  /**
   * Quantisation-aware training after calibration (`quantizationAwareTraining`), on training patches of
   * the calibration's sources; the best weights are chosen on a third, independently seeded set of
   * patches, so the held-out check stays held out. Bias correction is not applied then (the training
   * adapts the biases to the rounded weights itself).
   */
  qat?: Pick<
    QuantizationAwareTrainingOptions,
    'steps' | 'learningRate' | 'batchSize' | 'validateEvery' | 'initialWeights' | 'log' | 'signal'
  >;
}

export interface QuantizedModel {
  bytes: Uint8Array;
  kind: EnhanceKind;
  method: CalibrationMethodOptions;
  calibration: Record<string, unknown>;
  /** Relative RMS difference int8 vs fp32 over held-out calibration-like patches (a quick self-check). */
  heldOutRelativeRms: number;
  /** With `qat`: the trained student (float32, folded) and how the training went. */
  qat?: { student: Uint8Array; before: number; best: { step: number; relativeRms: number }; stepsRun: number; stopped: boolean };
}

/** The default range choice; see `npm run quantize -- --help` for the measurement behind it. */
export const DEFAULT_CALIBRATION_METHOD: CalibrationMethodOptions = Object.freeze({ method: 'minmax' });

/**
 * How `npm run quantize` makes each shipped int8 model unless told otherwise (measured 2026-12-01 and -02 on the
 * real HMI continuum files, docs/int8.md). Full: conv_up in float32 as well and percentile-99.99 ranges,
 * 0.50–0.56% relative RMS from fp32 (near-limb 0.73%) against 1.22–1.26% (1.84%) with min/max ranges and
 * conv_up on the integer path. Lite: conv_up in float32 as well and min/max ranges, 0.60–0.68% (near-limb
 * 0.81%) against 0.95–1.10% (2.0%) with conv_up on the integer path; since the models compute conv_up by
 * output phases (2.25× fewer multiply-adds) it costs little in float32: 1.14× the fp32 lite model's speed
 * at 1024² against 1.28×. Percentile ranges saturate lite's limb (near-limb 4.4%).
 */
const FLOAT32_WITH_CONV_UP: readonly string[] = Object.freeze([...DEFAULT_FLOAT32_LAYERS, 'conv_up']);

export const INT8_LAYOUTS: Readonly<Record<ModelVariant, { float32Layers: readonly string[]; method: CalibrationMethodOptions }>> =
  Object.freeze({
    full: { float32Layers: FLOAT32_WITH_CONV_UP, method: { method: 'percentile', percentile: 99.99 } },
    lite: { float32Layers: FLOAT32_WITH_CONV_UP, method: { method: 'minmax' } },
  });

/**
 * Calibrates a float32 Enhance model on training patches of its kind and returns the int8 QDQ model,
 * with a held-out check: a second, independently seeded set of patches run through both models.
 */
export async function quantizeWithCalibration(fp32Bytes: Uint8Array, options: QuantizeWithCalibrationOptions): Promise<QuantizedModel> {
  const { file, threads = 0, method = DEFAULT_CALIBRATION_METHOD } = options;
  const info = readEnhanceModelInfo(fp32Bytes, file ?? 'bytes');
  const kind = info.kind;
  if (kind === undefined) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: "the model's metadata names no kind (intensity or blos): cannot choose calibration data",
      details: {},
    });
  }
  if (info.metadata.precision !== undefined && info.metadata.precision !== 'fp32') {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: `the model is already ${info.metadata.precision}: quantise the fp32 model`,
      details: { precision: info.metadata.precision },
    });
  }
  const plan = quantizationPlan(fp32Bytes, { float32Layers: options.float32Layers, addPrecision: options.addPrecision, file });
  const patches = await calibrationPatches(kind, options);
  const calibrated = await calibrateActivations(fp32Bytes, {
    tensors: plan.tensors,
    batches: patches.batches,
    runtime: ort,
    threads,
    file,
  });
  const calibration = {
    ...patches.description,
    method: method.method,
    ...(method.method === 'percentile' ? { percentile: method.percentile ?? 99.99 } : {}),
  };
  const heldOut = await calibrationPatches(kind, { ...options, patches: 128, seed: (options.seed ?? 20260101) + 7919 });
  if (options.qat && options.qat.steps > 0) {
    const { data } = await calibrationTrainingData(kind, options);
    const selection = await calibrationPatches(kind, { ...options, patches: 128, seed: (options.seed ?? 20260101) + 104729 });
    const trained = await quantizationAwareTraining(fp32Bytes, {
      ...options.qat,
      ranges: calibrated.ranges(method),
      ...(options.float32Layers ? { float32Layers: options.float32Layers } : {}),
      patchSize: data.patchSize,
      sampleInputs: (count, random) => data.train.sampleBatch(count, random).inputs,
      selection: selection.batches,
      threads,
      calibration,
      ...(file ? { file } : {}),
    });
    const heldOutRelativeRms = await relativeRmsDifference(fp32Bytes, trained.int8, heldOut.batches, threads);
    // The same model (quantisation is deterministic) carrying its own check.
    const bytes = trained.int8With({ [INT8_HELD_OUT_RMS_KEY]: heldOutRelativeRms.toPrecision(4) });
    return {
      bytes,
      kind,
      method,
      calibration,
      heldOutRelativeRms,
      qat: { student: trained.student, before: trained.before, best: trained.best, stepsRun: trained.stepsRun, stopped: trained.stopped },
    };
  }
  const quantize = (metadata?: Record<string, string>) =>
    quantizeEnhanceModel(fp32Bytes, {
      ranges: calibrated.ranges(method),
      channelMeans: options.biasCorrection === false ? undefined : calibrated.channelMeans,
      float32Layers: options.float32Layers,
      addPrecision: options.addPrecision,
      calibration,
      metadata,
      file,
    });
  const heldOutRelativeRms = await relativeRmsDifference(fp32Bytes, quantize(), heldOut.batches, threads);
  // The same model (quantisation is deterministic) carrying its own check, which the enhancer reports.
  const bytes = quantize({ [INT8_HELD_OUT_RMS_KEY]: heldOutRelativeRms.toPrecision(4) });
  return { bytes, kind, method, calibration, heldOutRelativeRms };
}

/** ‖int8 − fp32‖ / ‖fp32‖ over the outputs of `batches`. */
export async function relativeRmsDifference(
  fp32Bytes: Uint8Array,
  int8Bytes: Uint8Array,
  batches: readonly CalibrationBatch[],
  threads = 0,
): Promise<number> {
  const options = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all' as const,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  };
  const sessions = await Promise.all([fp32Bytes, int8Bytes].map((bytes) => ort.InferenceSession.create(bytes, options)));
  let difference = 0;
  let reference = 0;
  try {
    for (const batch of batches) {
      // The models take one image at a time ([1, 1, H, W]).
      const [, , height, width] = batch.dims;
      for (let n = 0; n < batch.dims[0]; n++) {
        const image = batch.data.subarray(n * height * width, (n + 1) * height * width);
        const outputs: Float32Array[] = [];
        for (const session of sessions) {
          const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', image, [1, 1, height, width]) });
          outputs.push(result[session.outputNames[0]].data as Float32Array);
        }
        for (let i = 0; i < outputs[0].length; i++) {
          difference += (outputs[1][i] - outputs[0][i]) ** 2;
          reference += outputs[0][i] ** 2;
        }
      }
    }
  } finally {
    await Promise.all(sessions.map((session) => session.release()));
  }
  return Math.sqrt(difference / reference);
}
