#!/usr/bin/env node
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EnhanceError, ENHANCE_KINDS, modelFileName, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { parseScriptArguments } from '@enhance/core/node';
import { loadTrainingSet, type InputNoise } from '../data/index.js';
import { AUGMENTATIONS, INTENSITY_AFFINE_AUGMENTATION, withAffineAugmentation, type Augmentation } from '../train/affine-augmentation.js';
import { trainingDataFromSet } from '../train/enhance-training-data.js';
import { BLOS_FIELD_SCALE_AUGMENTATION, withFieldScaleAugmentation } from '../train/field-scale-augmentation.js';
import { exportBestCheckpoint, train } from '../train/train.js';
import {
  PAPER_BATCH_SIZE,
  PAPER_L2,
  PAPER_LEARNING_RATE,
  resolveArchitectureOption,
  type BestSelection,
  type TrainOptions,
} from '../train/train-options.js';
import { TrainingError } from '../train/training-error.js';
import { warmStartFromModel, type WarmStart } from '../train/warm-start.js';
import { loadTeacher, withTeacherTargets, type Teacher } from '../train/distillation.js';
import { createRandom } from '@enhance/graph-builder';

/** The paper's epoch: 50,000 training patches. */
const PATCHES_PER_EPOCH = 50_000;
/** Training patches whose activations set the batch-norm statistics of a warm start. */
const WARM_START_PATCHES = 256;

const HELP = `Usage: npm run train -- --kind intensity|blos [options]

Trains an Enhance network with the ONNX training step and exports the best-validation weights.

  --kind intensity|blos       which network (required)
  --variant full|lite         5×64 (default) or 1×32; or --depth N --filters F
  --steps N | --epochs E      total optimiser steps of the run (an epoch = ${PATCHES_PER_EPOCH} patches); default 1 epoch
  --batch N                   patches per step (default ${PAPER_BATCH_SIZE})
  --lr X                      Adam learning rate (default ${PAPER_LEARNING_RATE})
  --warmup N                  ramp the learning rate up linearly over the first N steps (default 0; use
                              a few hundred with --init-from)
  --consistency X             add X × the physics-consistency term to the loss: the output degraded again
                              with the HMI PSF's core and binned 2×2 should give the input back (default 0)
  --flux X                    add X × the flux term to the loss: the squared relative difference between
                              the batch's total unsigned flux out (Σ|B_out|/4) and in (Σ|B_in|), so the
                              network reallocates the field rather than adding to it (for intensity: the
                              mean level; default 0)
  --l2 X                      L2 on conv kernels (default 1e-6 intensity, 1e-5 blos)
  --seed N                    initial weights, patch draws and noise (default 1)
  --threads N                 onnxruntime threads (default 2)
  --shared-dir DIR            the folder holding data/train (default ../shared)
  --out-dir DIR               where runs live (default runs)
  --run NAME                  run folder name (default <kind>-<variant>)
  --resume                    continue the run from its latest checkpoint (up to --steps)
  --reset-best                with --resume: choose the best weights among the steps from now on
  --select-on overall|sources what chooses the best weights: the validation error over all patches, or
                              the mean of each validation source's error, so that a source with many
                              patches does not outvote the others (default overall; a resumed run keeps
                              its choice, and forgets its best when told another)
  --checkpoint-every N        steps between checkpoints (default 100)
  --validate-every N          steps between validations (default 200)
  --log-every N               steps between progress lines (default 10)
  --export PATH|none          best-validation model (default models/enhance-<kind>[-lite].onnx; none for custom sizes)
  --cache-dir DIR             degraded-image cache (default runs/cache)
  --augment none|affine|scale affine (intensity): half the patches get a random level (0.1–1.1) and contrast
                              (0.2–1.5), input and target alike, so dark (umbral) scenes are seen; scale
                              (blos): half the patches have their field scaled by 0.02–1 before the noise,
                              so weak, noise-dominated scenes are seen (default none)
  --input-noise S | LOW:HIGH  σ of the Gaussian noise on training inputs, in the data's units (kG for
                              blos, I/<I> for intensity); LOW:HIGH: each patch draws its own σ,
                              uniformly in log σ (default the paper's, 1e-2 blos, 1e-3 intensity;
                              validation keeps the paper's σ)
  --sunspots N                add N copies of the training scenes with synthetic sunspots put in before
                              degrading. intensity: 1–3 dark spots (umbra 0.15–0.4, penumbra 0.6–0.85,
                              3–40" across) multiplied into the quiet Sun, so stray light next to
                              granulation is there to remove; blos: 1–2 spots per map (umbra 1.8–3 kG,
                              penumbra 0.6–1.4 kG, 3–24" across) whose field replaces the plage's, so
                              strong, smooth fields are seen and kept (default 0)
  --quiet-surroundings N      blos: add N copies of each training map whose field survives only in 1–3
                              soft islands 10–30" across and is scaled to 2–8% elsewhere, so the stray
                              light HMI's PSF spreads into quiet surroundings is there to remove (default 0)
  --teacher MODEL.onnx        distillation: the targets are this model's outputs for the same training
                              inputs (validation too), not the 28 cm truth; e.g. lite from the shipped
                              full model. The model's SHA-256 is recorded; --resume needs the same file
  --init-from MODEL.onnx      a new run starts from this model's weights (a shipped, batch-norm-folded
                              model: its batch norms come back as the identity on a batch of training data)
  --export-only               export <run>/best to the --export path and exit
SIGINT/SIGTERM write a checkpoint and stop; --resume continues exactly.`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new TrainingError({ message: `--${name} must be a number, got '${value}'`, code: 'TRAIN_BAD_OPTION' });
  return parsed;
}

/** --input-noise: one σ, or LOW:HIGH (per-patch σ, log-uniform). */
function inputNoiseOption(value: string | undefined): InputNoise | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(':');
  const numbers = parts.map(Number);
  const valid =
    (parts.length === 1 && Number.isFinite(numbers[0]) && numbers[0] >= 0) ||
    (parts.length === 2 && numbers.every(Number.isFinite) && numbers[0] > 0 && numbers[1] >= numbers[0]);
  if (!valid) {
    throw new TrainingError({
      message: `--input-noise must be a σ ≥ 0 or LOW:HIGH with 0 < LOW ≤ HIGH, got '${value}'`,
      code: 'TRAIN_BAD_OPTION',
    });
  }
  return parts.length === 1 ? numbers[0] : [numbers[0], numbers[1]];
}

/** The bytes of the model an option names (--init-from, --teacher), refused in one form when unreadable. */
function readModelOption(option: string, path: string): { file: string; bytes: Uint8Array } {
  const file = resolve(path);
  try {
    return { file, bytes: new Uint8Array(readFileSync(file)) };
  } catch (cause) {
    throw new TrainingError({ message: `cannot read the --${option} model`, code: 'TRAIN_BAD_OPTION', file, cause });
  }
}

async function main(argv: string[]): Promise<number> {
  const values = parseScriptArguments(
    'train',
    HELP,
    {
      kind: { type: 'string' },
      variant: { type: 'string' },
      depth: { type: 'string' },
      filters: { type: 'string' },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      warmup: { type: 'string' },
      consistency: { type: 'string' },
      flux: { type: 'string' },
      l2: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      'shared-dir': { type: 'string' },
      'out-dir': { type: 'string' },
      run: { type: 'string' },
      resume: { type: 'boolean' },
      'checkpoint-every': { type: 'string' },
      'validate-every': { type: 'string' },
      'log-every': { type: 'string' },
      export: { type: 'string' },
      'cache-dir': { type: 'string' },
      'export-only': { type: 'boolean' },
      augment: { type: 'string' },
      sunspots: { type: 'string' },
      'init-from': { type: 'string' },
      'reset-best': { type: 'boolean' },
      'select-on': { type: 'string' },
      'input-noise': { type: 'string' },
      'quiet-surroundings': { type: 'string' },
      teacher: { type: 'string' },
    },
    argv,
  );
  const inputNoise = inputNoiseOption(values['input-noise']);
  const kind = values.kind as EnhanceKind | undefined;
  if (!kind || !ENHANCE_KINDS.includes(kind)) {
    throw new TrainingError({
      message: `--kind must be one of ${ENHANCE_KINDS.join(', ')}, got '${values.kind ?? ''}'`,
      code: 'TRAIN_BAD_OPTION',
    });
  }
  const { variant, architecture } = resolveArchitectureOption(
    values.variant as ModelVariant | undefined,
    number('depth', values.depth),
    number('filters', values.filters),
  );
  const batchSize = number('batch', values.batch) ?? PAPER_BATCH_SIZE;
  if (values.steps !== undefined && values.epochs !== undefined)
    throw new TrainingError({ message: 'give --steps or --epochs, not both', code: 'TRAIN_BAD_OPTION' });
  const epochs = number('epochs', values.epochs);
  const steps = number('steps', values.steps) ?? Math.ceil(((epochs ?? 1) * PATCHES_PER_EPOCH) / batchSize);
  const outDir = resolve(values['out-dir'] ?? 'runs');
  const runDir = join(outDir, values.run ?? `${kind}-${variant === 'custom' ? `${architecture.depth}x${architecture.filters}` : variant}`);
  const exportOption = values.export ?? (variant === 'custom' ? 'none' : join('models', modelFileName(kind, variant)));
  const seed = number('seed', values.seed) ?? 1;
  const options: TrainOptions = {
    kind,
    variant,
    architecture,
    steps,
    batchSize,
    learningRate: number('lr', values.lr) ?? PAPER_LEARNING_RATE,
    ...(values.warmup !== undefined ? { warmupSteps: number('warmup', values.warmup) } : {}),
    ...(values.consistency !== undefined ? { consistencyWeight: number('consistency', values.consistency) } : {}),
    ...(values.flux !== undefined ? { fluxWeight: number('flux', values.flux) } : {}),
    ...(values['select-on'] !== undefined ? { selectOn: values['select-on'] as BestSelection } : {}),
    l2: number('l2', values.l2) ?? PAPER_L2[kind],
    seed,
    threads: number('threads', values.threads) ?? 2,
    runDir,
    checkpointEvery: number('checkpoint-every', values['checkpoint-every']) ?? 100,
    validateEvery: number('validate-every', values['validate-every']) ?? 200,
    logEvery: number('log-every', values['log-every']) ?? 10,
    exportPath: exportOption === 'none' ? undefined : resolve(exportOption),
  };
  if (values['export-only']) {
    if (!options.exportPath) throw new TrainingError({ message: '--export-only needs an --export path', code: 'TRAIN_BAD_OPTION' });
    const record = await exportBestCheckpoint(runDir, options.exportPath);
    console.log(
      `exported ${options.exportPath} from ${runDir}/best (step ${record.best?.step}, validation mse ${record.best?.validationMse})`,
    );
    return 0;
  }
  mkdirSync(runDir, { recursive: true });
  const logFile = join(runDir, 'train.log');
  const log = (line: string) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    console.log(stamped);
    appendFileSync(logFile, `${stamped}\n`);
  };
  log(
    // The data options too: --resume needs them again, and this line is where a later session reads them.
    `train ${JSON.stringify({
      ...options,
      resume: Boolean(values.resume),
      ...(values['input-noise'] ? { inputNoise: values['input-noise'] } : {}),
      ...(values.augment ? { augment: values.augment } : {}),
      ...(values.sunspots ? { sunspots: values.sunspots } : {}),
      ...(values['quiet-surroundings'] ? { quietSurroundings: values['quiet-surroundings'] } : {}),
      ...(values.teacher ? { teacher: values.teacher } : {}),
    })}`,
  );
  // Models the options name are read before the (slow) training set: an unreadable one fails at once.
  const teacherModel = values.teacher !== undefined ? readModelOption('teacher', values.teacher) : undefined;
  const initModel = values['init-from'] !== undefined ? readModelOption('init-from', values['init-from']) : undefined;
  const sharedDir = resolve(values['shared-dir'] ?? '../shared');
  const sunspotScenes = number('sunspots', values.sunspots) ?? 0;
  const quietScenes = number('quiet-surroundings', values['quiet-surroundings']) ?? 0;
  const set = await loadTrainingSet(kind, {
    sharedDir,
    seed,
    sunspotScenes,
    quietScenes,
    ...(values['cache-dir'] ? { cacheDir: resolve(values['cache-dir']) } : {}),
  });
  const augment = (values.augment ?? 'none') as Augmentation;
  if (!AUGMENTATIONS.includes(augment))
    throw new TrainingError({
      message: `--augment must be one of ${AUGMENTATIONS.join(', ')}, got '${augment}'`,
      code: 'TRAIN_BAD_OPTION',
    });
  if (augment === 'affine' && kind !== 'intensity')
    throw new TrainingError({
      message: '--augment affine is for intensity (the level shift has no meaning for signed fields)',
      code: 'TRAIN_BAD_OPTION',
    });
  if (augment === 'scale' && kind !== 'blos')
    throw new TrainingError({ message: '--augment scale is for magnetograms (intensity has --augment affine)', code: 'TRAIN_BAD_OPTION' });
  const noise = { inputNoise: inputNoise ?? set.info.inputNoiseSigma };
  const augmented =
    augment === 'affine'
      ? withAffineAugmentation(trainingDataFromSet(set, noise), INTENSITY_AFFINE_AUGMENTATION)
      : augment === 'scale'
        ? withFieldScaleAugmentation(set, BLOS_FIELD_SCALE_AUGMENTATION, noise)
        : trainingDataFromSet(set, noise);
  let teacher: Teacher | undefined;
  if (teacherModel) {
    const { file, bytes } = teacherModel;
    teacher = await loadTeacher(bytes, file, kind, options.threads);
    log(
      `teacher ${file} (${teacher.source.architecture.depth}×${teacher.source.architecture.filters}, sha256 ${teacher.source.sha256.slice(0, 12)}…)`,
    );
  }
  const data = teacher ? await withTeacherTargets(augmented, teacher) : augmented;
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(130);
      log(`${signal}: finishing the current step, then writing a checkpoint`);
      controller.abort();
    });
  }
  let warmStart: WarmStart | undefined;
  if (initModel) {
    if (values.resume)
      throw new TrainingError({ message: '--init-from starts a new run; it cannot be combined with --resume', code: 'TRAIN_BAD_OPTION' });
    const { file, bytes } = initModel;
    const sample = data.train.sampleBatch(WARM_START_PATCHES, createRandom(seed + 7919));
    warmStart = await warmStartFromModel(
      bytes,
      file,
      architecture,
      { data: sample.inputs, count: WARM_START_PATCHES, patchSize: data.patchSize },
      options.threads,
    );
  }
  const { record, stopped } = await train(options, data, {
    log,
    signal: controller.signal,
    resume: Boolean(values.resume),
    resetBest: Boolean(values['reset-best']),
    ...(warmStart ? { warmStart } : {}),
  }).finally(() => teacher?.release());
  log(
    `${stopped ? 'stopped' : 'done'}: step ${record.step}, ${record.patchesSeen} patches, ${record.computeSeconds.toFixed(0)} s compute, ` +
      `best validation mse ${record.best?.validationMse.toExponential(4) ?? '-'} at step ${record.best?.step ?? '-'}`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (EnhanceError.isInstance(error)) {
      console.error(`enhance train: ${(error as Error).message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
