#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EnhanceError, ENHANCE_KINDS, MODEL_VARIANTS, modelFileName, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { ADD_PRECISIONS, CALIBRATION_METHODS, loadEnhanceWeights, type AddPrecision, type CalibrationMethod } from '@enhance/graph-builder';
import { parseScriptArguments, writeFileAtomically } from '@enhance/core/node';
import { quantizeWithCalibration, INT8_LAYOUTS } from '../quantize/quantize-with-calibration.js';
import { QAT_DEFAULTS } from '../quantize/quantization-aware-training.js';

const HELP = `Usage: npm run quantize -- [options]

Writes the int8 models models/enhance-<kind>[-lite]-int8.onnx from the fp32 ones beside them: static QDQ
quantisation (int8 weights per output channel, uint8 activations per tensor) calibrated on training
patches of the model's kind (never on the real HMI evaluation files). Re-run it after retraining.

  --models-dir DIR      where the fp32 models are, and the int8 ones go (default models)
  --shared-dir DIR      the folder holding data/train (default ../shared)
  --cache-dir DIR       degraded-image cache (default runs/cache)
  --kind K              intensity or blos (default intensity: the blos int8 models are not shipped,
                        they differ from fp32 by 11–38% on real magnetograms)
  --variant V           full or lite only (default both)
  --patches N           calibration patches per model (default 512)
  --method M            minmax | percentile: how activation ranges are chosen (default: full percentile,
                        lite minmax; the layouts measured best for each, docs/int8.md)
  --percentile P        for --method percentile: share of values kept, in % (default 99.99)
  --limb-fraction F     share of calibration patches cut by a straight limb (off-disk part 0, the rest
                        darkened to a near-limb level), as the tiles of a full-disk frame are (default 0)
  --float32-layers L    comma-separated Conv nodes left in float32 (default: full
                        ${INT8_LAYOUTS.full.float32Layers.join(',')}, lite ${INT8_LAYOUTS.lite.float32Layers.join(',')})
  --adds P              float32 | uint8: precision of the residual adds (default float32)
  --no-bias-correction  keep the biases as trained (default: corrected for the weights' rounding)
  --threads N           onnxruntime threads (default 0: one per core)

Quantisation-aware training (after calibration; docs/int8.md):
  --qat-steps N         Adam steps training the int8 model's weights to reproduce the fp32 model with
                        the int8 arithmetic simulated (default 0: none); the fp32 model is not changed
  --qat-learning-rate R (default ${QAT_DEFAULTS.learningRate})
  --qat-batch-size N    (default ${QAT_DEFAULTS.batchSize})
  --qat-validate-every N  steps between measurements on the selection patches (default ${QAT_DEFAULTS.validateEvery})
  --qat-dir DIR         where the trained weights (float32 students) are kept (default runs/qat)
  --qat-resume          continue from the student in --qat-dir instead of the fp32 weights
                        Ctrl-C stops the training after the current step and writes the best so far.
  -h, --help            this text
`;

const values = parseScriptArguments('quantize', HELP, {
  'models-dir': { type: 'string', default: 'models' },
  'shared-dir': { type: 'string', default: '../shared' },
  'cache-dir': { type: 'string', default: 'runs/cache' },
  kind: { type: 'string' },
  variant: { type: 'string' },
  patches: { type: 'string', default: '512' },
  method: { type: 'string' },
  percentile: { type: 'string', default: '99.99' },
  'limb-fraction': { type: 'string', default: '0' },
  'float32-layers': { type: 'string' },
  adds: { type: 'string', default: 'float32' },
  'no-bias-correction': { type: 'boolean', default: false },
  threads: { type: 'string', default: '0' },
  'qat-steps': { type: 'string', default: '0' },
  'qat-learning-rate': { type: 'string', default: String(QAT_DEFAULTS.learningRate) },
  'qat-batch-size': { type: 'string', default: String(QAT_DEFAULTS.batchSize) },
  'qat-validate-every': { type: 'string', default: String(QAT_DEFAULTS.validateEvery) },
  'qat-dir': { type: 'string', default: 'runs/qat' },
  'qat-resume': { type: 'boolean', default: false },
});

function usageError(message: string): never {
  process.stderr.write(`quantize: ${message} (npm run quantize -- --help lists the options)\n`);
  process.exit(2);
}

function integer(name: string, text: string, minimum: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < minimum) usageError(`--${name} ${JSON.stringify(text)} is invalid: expected an integer ≥ ${minimum}`);
  return n;
}

// Only the intensity models are shipped in int8: the magnetogram ones differ from fp32 by 11–38% RMS on
// real HMI maps (docs/int8.md), so they are made only when asked for by name.
const kinds = values.kind === undefined ? (['intensity'] as EnhanceKind[]) : [values.kind as EnhanceKind];
const variants = values.variant === undefined ? MODEL_VARIANTS : [values.variant as ModelVariant];
if (!kinds.every((k) => ENHANCE_KINDS.includes(k)))
  usageError(`--kind ${JSON.stringify(values.kind)} is invalid: expected ${ENHANCE_KINDS.join(' | ')}`);
if (!variants.every((v) => MODEL_VARIANTS.includes(v)))
  usageError(`--variant ${JSON.stringify(values.variant)} is invalid: expected ${MODEL_VARIANTS.join(' | ')}`);
if (values.method !== undefined && !CALIBRATION_METHODS.includes(values.method as CalibrationMethod))
  usageError(`--method ${JSON.stringify(values.method)} is invalid: expected ${CALIBRATION_METHODS.join(' | ')}`);
if (!ADD_PRECISIONS.includes(values.adds as AddPrecision))
  usageError(`--adds ${JSON.stringify(values.adds)} is invalid: expected ${ADD_PRECISIONS.join(' | ')}`);
const percentile = Number(values.percentile);
if (!(percentile > 50 && percentile <= 100))
  usageError(`--percentile ${JSON.stringify(values.percentile)} is invalid: expected a number in (50, 100]`);
const patches = integer('patches', values.patches, 1);
const limbFraction = Number(values['limb-fraction']);
if (!(limbFraction >= 0 && limbFraction <= 1))
  usageError(`--limb-fraction ${JSON.stringify(values['limb-fraction'])} is invalid: expected a number in [0, 1]`);
const threads = integer('threads', values.threads, 0);
const modelsDir = resolve(values['models-dir']);
const qatSteps = integer('qat-steps', values['qat-steps'], 0);
const qatBatchSize = integer('qat-batch-size', values['qat-batch-size'], 1);
const qatValidateEvery = integer('qat-validate-every', values['qat-validate-every'], 1);
const qatLearningRate = Number(values['qat-learning-rate']);
if (!(qatLearningRate > 0 && qatLearningRate < 1))
  usageError(`--qat-learning-rate ${JSON.stringify(values['qat-learning-rate'])} is invalid: expected a number in (0, 1)`);
const qatDir = resolve(values['qat-dir']);
if (values['qat-resume'] && qatSteps === 0) usageError('--qat-resume needs --qat-steps');
// The first Ctrl-C ends quantisation-aware training after its current step; the best weights are written.
const interrupt = new AbortController();
if (qatSteps > 0) {
  process.once('SIGINT', () => {
    process.stderr.write('quantize: stopping after the current step (Ctrl-C again to quit at once)\n');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });
}
const float32Layers = values['float32-layers']
  ?.split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

try {
  let written = 0;
  for (const kind of kinds) {
    for (const variant of variants) {
      const source = join(modelsDir, modelFileName(kind, variant));
      const target = join(modelsDir, modelFileName(kind, variant, 'int8'));
      if (!existsSync(source)) {
        process.stderr.write(`quantize: ${source}: no fp32 model, skipped\n`);
        continue;
      }
      const started = performance.now();
      const studentPath = join(qatDir, modelFileName(kind, variant).replace(/\.onnx$/, '-qat-student.onnx'));
      if (values['qat-resume'] && !existsSync(studentPath)) {
        process.stderr.write(`quantize: ${studentPath}: no student to resume from (run with --qat-steps first)\n`);
        process.exitCode = 1;
        continue;
      }
      const qat =
        qatSteps > 0
          ? {
              steps: qatSteps,
              learningRate: qatLearningRate,
              batchSize: qatBatchSize,
              validateEvery: qatValidateEvery,
              signal: interrupt.signal,
              log: (line: string) => process.stdout.write(`${modelFileName(kind, variant)}: ${line}\n`),
              ...(values['qat-resume']
                ? { initialWeights: loadEnhanceWeights(new Uint8Array(readFileSync(studentPath)), studentPath).weights }
                : {}),
            }
          : undefined;
      const result = await quantizeWithCalibration(new Uint8Array(readFileSync(source)), {
        sharedDir: resolve(values['shared-dir']),
        cacheDir: resolve(values['cache-dir']),
        patches,
        limbFraction,
        // Without --method, the variant's own; --percentile sets the share kept either way.
        method:
          (values.method ?? INT8_LAYOUTS[variant].method.method) === 'percentile'
            ? { method: 'percentile', percentile }
            : { method: 'minmax' },
        float32Layers: float32Layers ?? INT8_LAYOUTS[variant].float32Layers,
        addPrecision: values.adds as AddPrecision,
        biasCorrection: !values['no-bias-correction'],
        threads,
        file: source,
        ...(qat ? { qat } : {}),
      });
      await writeFileAtomically(target, result.bytes, { overwrite: true });
      if (result.qat) {
        mkdirSync(qatDir, { recursive: true });
        await writeFileAtomically(studentPath, result.qat.student, { overwrite: true });
        process.stdout.write(
          `quantisation-aware training: ${result.qat.stepsRun} steps${result.qat.stopped ? ' (stopped)' : ''}, best at step ${result.qat.best.step}: ` +
            `selection patches ${(100 * result.qat.before).toFixed(3)}% → ${(100 * result.qat.best.relativeRms).toFixed(3)}%; student weights in ${studentPath}\n`,
        );
      }
      written++;
      process.stdout.write(
        `wrote ${target} (${result.bytes.length.toLocaleString('en-US')} bytes, fp32 ${readFileSync(source).length.toLocaleString('en-US')}): ` +
          `calibrated on ${patches} ${kind} training patches (${result.method.method}), held-out relative RMS int8 vs fp32 ` +
          `${(100 * result.heldOutRelativeRms).toFixed(3)}%, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
  }
  if (written === 0) {
    process.stderr.write(`quantize: no fp32 model found in ${modelsDir}\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`quantize: ${EnhanceError.isInstance(error) || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
