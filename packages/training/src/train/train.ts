import { cpus, hostname } from 'node:os';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  createEnhanceModel,
  createRandom,
  enhanceParameterSpecs,
  initializeEnhanceWeights,
  removeZeroFieldOffset,
} from '@enhance/graph-builder';
import { buildEnhanceTrainingStep, KERAS_ADAM, KERAS_BATCH_NORM_MOMENTUM, NEXT_STATE_PREFIX } from './enhance-training-step.js';
import * as ort from 'onnxruntime-node';
import { checkpointExists, readCheckpoint, writeCheckpoint } from './checkpoint-store.js';
import { SeededRandom } from './seeded-random.js';
import type { TrainingData } from './training-data.js';
import { TrainingError } from './training-error.js';
import { validateTrainOptions, type BestSelection, type TrainOptions } from './train-options.js';
import { nearestUpsamplingMse, PreciseBatchNormStatistics, ValidationModel } from './validation-model.js';
import type { WarmStart, WarmStartSource } from './warm-start.js';

export const LATEST_CHECKPOINT = 'latest';
/** Training batches averaged for the batch-norm statistics of each validation and export. */
export const PRECISE_BATCH_NORM_BATCHES = 8;
export const BEST_CHECKPOINT = 'best';

/** What a checkpoint stores besides its tensors. */
export interface RunRecord {
  kind: TrainOptions['kind'];
  variant: TrainOptions['variant'];
  architecture: TrainOptions['architecture'];
  batchSize: number;
  patchSize: number;
  learningRate: number;
  warmupSteps?: number;
  consistencyWeight?: number;
  fluxWeight?: number;
  /** What chose `best` (absent: 'overall'). */
  selectOn?: BestSelection;
  l2: number;
  seed: number;
  /** Optimiser steps done. */
  step: number;
  patchesSeen: number;
  /** Seconds spent in training steps and validation, summed over every session of the run. */
  computeSeconds: number;
  rngState: number[];
  /** The best weights so far; `validationMse` is the figure that chose them (see `selectOn`). */
  best: { step: number; validationMse: number } | null;
  nearestUpsamplingMse: number;
  /** The overall validation MSE of every validation; `sources`, the mean over sources, when there are several. */
  validationHistory: { step: number; mse: number; sources?: number }[];
  lossHistory: { step: number; loss: number; mse: number }[];
  sessions: { startedAt: string; fromStep: number; machine: string; threads: number }[];
  data: Record<string, unknown>;
  /** The model a warm-started run began from; its patches count towards `patchesSeen`. */
  warmStart?: WarmStartSource;
}

export interface TrainResult {
  record: RunRecord;
  /** True when stopped by the signal before `steps`. */
  stopped: boolean;
}

export interface TrainCallbacks {
  /** One line per event (progress, validation, checkpoint, export). */
  log?: (line: string) => void;
  /** Aborting finishes the current step, writes a checkpoint and returns. */
  signal?: AbortSignal;
  /** Continue from `<runDir>/latest` instead of starting fresh. */
  resume?: boolean;
  /**
   * With `resume`: forget the best validation so far, so the best weights are chosen among the steps
   * from now on (after changing the training data or augmentation, earlier steps solve another problem).
   */
  resetBest?: boolean;
  /** For a new run: start from these weights (`warmStartFromModel`) instead of a fresh initialisation. */
  warmStart?: WarmStart;
}

export function machineDescription(threads: number): string {
  const cpu = cpus();
  return `${hostname()}: ${cpu[0]?.model ?? 'unknown CPU'} ×${cpu.length}, ${threads} onnxruntime thread(s), Node ${process.version}`;
}

/**
 * Trains one Enhance network with the single-model training step (forward, gradients and Adam in one
 * ONNX graph run by onnxruntime-node). Checkpoints `<runDir>/latest` every `checkpointEvery` steps, at the
 * end and when aborted; validates every `validateEvery` steps and keeps the best weights in
 * `<runDir>/best`, exported as an inference model to `exportPath` whenever they improve.
 */
export async function train(options: TrainOptions, data: TrainingData, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  validateTrainOptions(options);
  const log = callbacks.log ?? (() => {});
  const { architecture, batchSize } = options;
  const patchSize = data.patchSize;
  const specs = enhanceParameterSpecs(architecture);
  let step = buildEnhanceTrainingStep({ architecture, batchSize, patchSize, l2: options.l2 });
  const shapes = new Map<string, number[]>();
  for (const s of [...step.parameters, ...step.optimizerState]) shapes.set(s.name, [...s.shape]);

  let state: Map<string, Float32Array>;
  let record: RunRecord;
  let random: SeededRandom;
  if (callbacks.resume) {
    const checkpoint = await readCheckpoint<RunRecord>(options.runDir, LATEST_CHECKPOINT);
    record = checkpoint.extra;
    const mismatch = (['kind', 'batchSize', 'patchSize'] as const).filter((k) => record[k] !== { ...options, patchSize }[k]);
    if (record.architecture.depth !== architecture.depth || record.architecture.filters !== architecture.filters)
      mismatch.push('architecture' as never);
    if (mismatch.length > 0) {
      throw new TrainingError({
        message: `the checkpoint was made with different ${mismatch.join(', ')}: ${JSON.stringify(Object.fromEntries(mismatch.map((k) => [k, record[k]])))}`,
        code: 'TRAIN_CHECKPOINT_MISMATCH',
        file: options.runDir,
      });
    }
    state = new Map();
    for (const name of shapes.keys()) {
      const tensor = checkpoint.tensors.get(name);
      if (!tensor || tensor.data.length !== shapes.get(name)!.reduce((p, d) => p * d, 1)) {
        throw new TrainingError({
          message: `tensor '${name}' is missing or has the wrong size`,
          code: 'TRAIN_CHECKPOINT_CORRUPT',
          file: options.runDir,
        });
      }
      state.set(name, tensor.data);
    }
    const teacherOf = (description: Record<string, unknown> | undefined) =>
      (description?.distilled_from as { sha256?: string; file?: string } | undefined) ?? undefined;
    const before = teacherOf(record.data);
    const now = teacherOf(data.description);
    if (before?.sha256 !== now?.sha256) {
      throw new TrainingError({
        message: before
          ? `the run was distilled from ${before.file} (sha256 ${before.sha256?.slice(0, 12)}…): give that model as --teacher again`
          : 'the run was not distilled: resume it without --teacher',
        code: 'TRAIN_CHECKPOINT_MISMATCH',
        file: options.runDir,
      });
    }
    random = SeededRandom.fromState(record.rngState);
    // A resumed run may change the learning rate or the augmentation; the record keeps the latest.
    record.learningRate = options.learningRate;
    record.data = data.description;
    if (callbacks.resetBest) {
      // The data changed: the reference error is recomputed on the validation set of now.
      record.best = null;
      record.nearestUpsamplingMse = nearestUpsamplingMse(data, 64);
    }
    log(`resumed ${options.runDir} at step ${record.step} (${record.patchesSeen} patches, ${record.computeSeconds.toFixed(0)} s so far)`);
  } else {
    ({ state, record, random } = freshRun(options, data, step.optimizerState, callbacks.warmStart));
    if (callbacks.warmStart)
      log(`warm start from ${callbacks.warmStart.source.file} (${callbacks.warmStart.source.patchesSeen} patches seen before)`);
  }
  const selectOn: BestSelection = options.selectOn ?? record.selectOn ?? 'overall';
  if (record.best && selectOn !== (record.selectOn ?? 'overall')) {
    // A resumed run's best was chosen by another figure: the choice starts anew.
    log(
      `best weights now chosen on ${selectOn === 'sources' ? 'the mean over validation sources' : 'the overall validation error'}: best forgotten`,
    );
    record.best = null;
  }
  if (selectOn === 'sources') record.selectOn = selectOn;
  else delete record.selectOn;
  // A resumed run keeps its warm-up unless told otherwise.
  const schedule = { learningRate: options.learningRate, warmupSteps: options.warmupSteps ?? record.warmupSteps ?? 0 };
  if (schedule.warmupSteps) record.warmupSteps = schedule.warmupSteps;
  // A resumed run keeps its consistency and flux weights unless given others (0 switches a term off).
  const consistencyWeight = options.consistencyWeight ?? record.consistencyWeight ?? 0;
  const fluxWeight = options.fluxWeight ?? record.fluxWeight ?? 0;
  if (consistencyWeight > 0) record.consistencyWeight = consistencyWeight;
  else delete record.consistencyWeight;
  if (fluxWeight > 0) record.fluxWeight = fluxWeight;
  else delete record.fluxWeight;
  if (consistencyWeight > 0 || fluxWeight > 0) {
    step = buildEnhanceTrainingStep({
      architecture,
      batchSize,
      patchSize,
      l2: options.l2,
      ...(consistencyWeight > 0 ? { consistency: { weight: consistencyWeight } } : {}),
      ...(fluxWeight > 0 ? { flux: { weight: fluxWeight } } : {}),
    });
  }
  record.sessions.push({
    startedAt: new Date().toISOString(),
    fromStep: record.step,
    machine: machineDescription(options.threads),
    threads: options.threads,
  });

  const session = await ort.InferenceSession.create(step.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const validation = await ValidationModel.create(architecture, patchSize, options.threads);
  const preciseStatistics = await PreciseBatchNormStatistics.create(architecture, batchSize, patchSize, options.threads);
  const parameterState = () => new Map(specs.map((s) => [s.name, state.get(s.name)!]));
  const tensorsOf = (names: Iterable<string>) => new Map([...names].map((n) => [n, { shape: shapes.get(n)!, data: state.get(n)! }]));

  const saveLatest = async () => {
    record.rngState = random.state();
    await writeCheckpoint(options.runDir, LATEST_CHECKPOINT, tensorsOf(shapes.keys()), record);
  };
  const validate = async () => {
    const started = performance.now();
    // Precise batch-norm statistics replace the moving averages (which training never reads) before
    // the weights are judged; their draws come from a generator of their own, so the run's is untouched.
    const statistics = await preciseStatistics.compute(
      parameterState(),
      data,
      PRECISE_BATCH_NORM_BATCHES,
      createRandom(options.seed * 7919 + record.step),
    );
    for (const [name, value] of statistics) state.set(name, value);
    const { mse, groups } = await validation.meanSquaredErrors(parameterState(), data, 64);
    record.computeSeconds += (performance.now() - started) / 1000;
    const sources = groups && groups.length > 1 ? groups.reduce((sum, g) => sum + g.mse, 0) / groups.length : undefined;
    record.validationHistory.push({ step: record.step, mse, ...(sources !== undefined ? { sources } : {}) });
    const score = selectOn === 'sources' && sources !== undefined ? sources : mse;
    const improved = record.best === null || score < record.best.validationMse;
    log(
      `validation step ${record.step}: mse ${mse.toExponential(4)} (nearest ×2: ${record.nearestUpsamplingMse.toExponential(4)})` +
        (sources !== undefined ? `, mean over sources ${sources.toExponential(4)}` : '') +
        (improved ? ' best' : '') +
        (groups ? `; by source: ${groups.map((g) => `${g.name} ${g.mse.toExponential(3)}`).join(', ')}` : ''),
    );
    if (improved) {
      record.best = { step: record.step, validationMse: score };
      await writeCheckpoint(options.runDir, BEST_CHECKPOINT, tensorsOf(specs.map((s) => s.name)), record);
      if (options.exportPath) {
        await exportModel(options.exportPath, parameterState(), record);
        log(`exported ${options.exportPath} (step ${record.step})`);
      }
    }
  };

  const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);
  let stopped = false;
  let windowStart = performance.now();
  let windowLoss = 0;
  let windowMse = 0;
  let windowSteps = 0;
  let windowConsistency = 0;
  let windowFlux = 0;
  try {
    if (record.step === 0) await validate();
    while (record.step < options.steps) {
      if (callbacks.signal?.aborted) {
        stopped = true;
        break;
      }
      const started = performance.now();
      const drawn = data.train.sampleBatch(batchSize, () => random.next());
      const batch = data.train.relabel ? await data.train.relabel(drawn) : drawn;
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, data] of state) feeds[name] = new ort.Tensor('float32', data, shapes.get(name)!);
      feeds.step = scalar(record.step + 1);
      feeds.learning_rate = scalar(learningRateAt(schedule, record.step + 1));
      feeds.input = new ort.Tensor('float32', batch.inputs, step.batchInputs.input);
      feeds.target = new ort.Tensor('float32', batch.targets, step.batchInputs.target);
      const out = await session.run(feeds);
      const loss = Number(out.loss.data[0]);
      if (!Number.isFinite(loss)) {
        throw new TrainingError({
          message: `the loss became ${loss} at step ${record.step + 1}; the last checkpoint is kept`,
          code: 'TRAIN_NOT_FINITE',
          file: options.runDir,
        });
      }
      for (const name of shapes.keys()) state.set(name, out[`${NEXT_STATE_PREFIX}${name}`].data as Float32Array);
      record.step += 1;
      record.patchesSeen += batchSize;
      record.computeSeconds += (performance.now() - started) / 1000;
      windowLoss += loss;
      windowMse += Number(out.mse.data[0]);
      if (out.consistency) windowConsistency += Number(out.consistency.data[0]);
      if (out.flux_ratio) windowFlux += Number(out.flux_ratio.data[0]);
      windowSteps += 1;
      if (record.step % options.logEvery === 0 || record.step === options.steps) {
        const seconds = (performance.now() - windowStart) / 1000;
        const rate = (windowSteps * batchSize) / seconds;
        const eta = ((options.steps - record.step) * batchSize) / rate;
        record.lossHistory.push({ step: record.step, loss: windowLoss / windowSteps, mse: windowMse / windowSteps });
        const termsText =
          (consistencyWeight > 0 ? ` consistency ${(windowConsistency / windowSteps).toExponential(4)}` : '') +
          (fluxWeight > 0 ? ` flux out/in ${(windowFlux / windowSteps).toFixed(4)}` : '');
        log(
          `step ${record.step}/${options.steps} loss ${(windowLoss / windowSteps).toExponential(4)} mse ${(windowMse / windowSteps).toExponential(4)}${termsText} ` +
            `${rate.toFixed(1)} patches/s ETA ${formatDuration(eta)}`,
        );
        windowStart = performance.now();
        windowLoss = 0;
        windowMse = 0;
        windowSteps = 0;
        windowConsistency = 0;
        windowFlux = 0;
      }
      if (record.step % options.validateEvery === 0 || record.step === options.steps) await validate();
      if (record.step % options.checkpointEvery === 0) {
        await saveLatest();
        log(`checkpoint step ${record.step}`);
      }
    }
    await saveLatest();
    log(`${stopped ? 'stopped' : 'finished'} at step ${record.step}; checkpoint written to ${options.runDir}`);
  } finally {
    await session.release();
    await validation.release();
    await preciseStatistics.release();
  }
  return { record, stopped };
}

function freshRun(
  options: TrainOptions,
  data: TrainingData,
  optimizerState: { name: string; shape: number[] }[],
  warmStart?: WarmStart,
): { state: Map<string, Float32Array>; record: RunRecord; random: SeededRandom } {
  if (checkpointExists(options.runDir, LATEST_CHECKPOINT)) {
    throw new TrainingError({
      message: 'this run folder already holds a checkpoint: resume it or choose another run folder',
      code: 'TRAIN_BAD_OPTION',
      file: options.runDir,
    });
  }
  const { architecture, batchSize } = options;
  const weights = warmStart ? Object.fromEntries(warmStart.weights) : initializeEnhanceWeights(architecture, { seed: options.seed });
  const state = new Map(
    enhanceParameterSpecs(architecture).map((s) => {
      const value = weights[s.name];
      if (!value || value.length !== s.shape.reduce((p, d) => p * d, 1)) {
        throw new TrainingError({
          message: `the initial weights lack '${s.name}' or give it the wrong size`,
          code: 'TRAIN_BAD_OPTION',
          file: warmStart?.source.file,
        });
      }
      return [s.name, Float32Array.from(value)];
    }),
  );
  for (const o of optimizerState) state.set(o.name, new Float32Array(o.shape.reduce((p, d) => p * d, 1)));
  const random = SeededRandom.fromSeed(options.seed);
  const record: RunRecord = {
    kind: options.kind,
    variant: options.variant,
    architecture,
    batchSize,
    patchSize: data.patchSize,
    learningRate: options.learningRate,
    ...(options.warmupSteps ? { warmupSteps: options.warmupSteps } : {}),
    l2: options.l2,
    seed: options.seed,
    step: 0,
    patchesSeen: warmStart?.source.patchesSeen ?? 0,
    computeSeconds: 0,
    rngState: random.state(),
    best: null,
    nearestUpsamplingMse: nearestUpsamplingMse(data, 64),
    validationHistory: [],
    lossHistory: [],
    sessions: [],
    data: data.description,
    ...(warmStart ? { warmStart: warmStart.source } : {}),
  };
  return { state, record, random };
}

/**
 * Writes step 0 of a new run (initial weights, zero Adam moments, seeded RNG) as `<runDir>/latest`
 * without training, for drivers on other machines that start from a checkpoint.
 */
export async function writeInitialCheckpoint(options: TrainOptions, data: TrainingData): Promise<void> {
  validateTrainOptions(options);
  const step = buildEnhanceTrainingStep({
    architecture: options.architecture,
    batchSize: options.batchSize,
    patchSize: data.patchSize,
    l2: options.l2,
  });
  const { state, record } = freshRun(options, data, step.optimizerState);
  const shapes = new Map<string, number[]>();
  for (const s of [...step.parameters, ...step.optimizerState]) shapes.set(s.name, [...s.shape]);
  await writeCheckpoint(
    options.runDir,
    LATEST_CHECKPOINT,
    new Map([...shapes].map(([n, shape]) => [n, { shape, data: state.get(n)! }])),
    record,
  );
}

/** Exports `<runDir>/best` as an inference model. */
export async function exportBestCheckpoint(runDir: string, path: string): Promise<RunRecord> {
  const best = await readCheckpoint<RunRecord>(runDir, BEST_CHECKPOINT);
  await exportModel(path, new Map([...best.tensors].map(([n, t]) => [n, t.data])), best.extra);
  return best.extra;
}

/** Writes the inference model (batch norm folded into the convs) for the given weights, atomically. */
export async function exportModel(path: string, parameters: ReadonlyMap<string, Float32Array>, record: RunRecord): Promise<void> {
  // A magnetogram network maps zero field to zero field: its output offset is taken out of the last bias.
  const trained = Object.fromEntries(parameters);
  const zeroField = record.kind === 'blos' ? removeZeroFieldOffset(trained, record.architecture) : undefined;
  const bytes = createEnhanceModel({
    kind: record.kind,
    architecture: record.architecture,
    weights: zeroField?.weights ?? trained,
    foldBatchNorm: true,
    provenance: provenanceOf(record),
    metadata: {
      ...trainingMetadata(record),
      ...(zeroField ? { zero_field_offset_removed: `${zeroField.offset.toExponential(4)} (network units)` } : {}),
    },
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

/** One line for the model's `weights` metadata: what trained it, continuing which model. */
export function provenanceOf(record: RunRecord): string {
  const steps = record.best?.step ?? record.step;
  const own = `${steps} Adam steps of batch ${record.batchSize}, best validation weights`;
  if (!record.warmStart) return `trained by @enhance/training: ${own}`;
  const total = record.warmStart.patchesSeen + steps * record.batchSize;
  return `trained by @enhance/training: ${own}, continuing ${basename(record.warmStart.file)} (${record.warmStart.patchesSeen} patches); ${total} patches in all`;
}

export function trainingMetadata(record: RunRecord): Record<string, string> {
  const stepOfWeights = record.best?.step ?? record.step;
  const priorPatches = record.warmStart?.patchesSeen ?? 0;
  return {
    training_recipe: JSON.stringify({
      loss: `mean squared error + L2 on conv kernels (Keras style, λ·Σw²)${record.consistencyWeight ? ` + ${record.consistencyWeight} × physics consistency (output re-degraded with the HMI PSF core ≈ input)` : ''}${record.fluxWeight ? ` + ${record.fluxWeight} × flux term ((Σ|B_out|/4 − Σ|B_in|)/Σ|B_in| per batch)²` : ''}`,
      l2: record.l2,
      optimizer: {
        name: 'Adam (Keras 2.0.2)',
        learning_rate: record.learningRate,
        ...(record.warmupSteps ? { warmup_steps: record.warmupSteps } : {}),
        ...KERAS_ADAM,
      },
      batch_size: record.batchSize,
      patch: `${record.patchSize}×${record.patchSize} inputs, ${2 * record.patchSize}×${2 * record.patchSize} targets`,
      batch_norm_momentum: KERAS_BATCH_NORM_MOMENTUM,
      seed: record.seed,
    }),
    training_data: JSON.stringify(record.data),
    training_steps: String(stepOfWeights),
    training_patches_seen: String(priorPatches + stepOfWeights * record.batchSize),
    ...(record.warmStart ? { training_warm_start: JSON.stringify(record.warmStart) } : {}),
    training_steps_run: String(record.step),
    training_validation_mse: String(record.best?.validationMse ?? Number.NaN),
    ...(record.selectOn === 'sources' ? { training_best_selection: "the mean of the validation sources' MSE" } : {}),
    training_validation_nearest_mse: String(record.nearestUpsamplingMse),
    training_validation_history: JSON.stringify(thinned(record.validationHistory, 200)),
    training_compute_seconds: record.computeSeconds.toFixed(0),
    training_machine: JSON.stringify([...new Set(record.sessions.map((s) => s.machine))]),
  };
}

/** The learning rate of 1-based step `step`: the linear warm-up, then the constant rate. */
export function learningRateAt(options: Pick<TrainOptions, 'learningRate' | 'warmupSteps'>, step: number): number {
  const warmup = options.warmupSteps ?? 0;
  return warmup > 0 && step < warmup ? (options.learningRate * step) / warmup : options.learningRate;
}

/** At most `count` entries, evenly spread, always keeping the first and the last. */
function thinned<T>(entries: readonly T[], count: number): T[] {
  if (entries.length <= count) return [...entries];
  return Array.from({ length: count }, (_, i) => entries[Math.round((i * (entries.length - 1)) / (count - 1))]);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}
