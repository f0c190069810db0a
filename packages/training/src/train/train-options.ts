import { ARCHITECTURES, ENHANCE_KINDS, MODEL_VARIANTS, type Architecture, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { TrainingError } from './training-error.js';

/** The paper's L2 penalty on conv kernels, per kind (from the original training arguments). */
export const PAPER_L2: Readonly<Record<EnhanceKind, number>> = Object.freeze({ intensity: 1e-6, blos: 1e-5 });
export const PAPER_LEARNING_RATE = 1e-4;
export const PAPER_BATCH_SIZE = 32;

export type BestSelection = 'overall' | 'sources';
export const BEST_SELECTIONS: readonly BestSelection[] = Object.freeze(['overall', 'sources']);

export interface TrainOptions {
  kind: EnhanceKind;
  /** 'full' (5×64), 'lite' (1×32) or 'custom' when depth/filters are given. */
  variant: ModelVariant | 'custom';
  architecture: Architecture;
  /** Total number of optimiser steps of the run (a resumed run continues up to it). */
  steps: number;
  batchSize: number;
  learningRate: number;
  /**
   * Steps over which the learning rate ramps linearly from lr/N up to lr (0: none). A warm start needs
   * it: Adam's first steps move every weight by about lr whatever its gradient's size.
   */
  warmupSteps?: number;
  /** Weight of the physics-consistency term (output degraded again ≈ input) in the loss; 0 or absent: none. */
  consistencyWeight?: number;
  /** Weight of the flux term (the batch's unsigned flux out/in ≈ 1) in the loss; 0 or absent: none. */
  fluxWeight?: number;
  /**
   * What chooses the best weights: 'overall' (default), the validation MSE over every patch; 'sources',
   * the mean of each validation source's MSE, so that a source with many patches does not outvote the
   * others (the intensity set holds 121 IMaX patches against 12 MURaM ones). Without named sources the
   * two are the same.
   */
  selectOn?: BestSelection;
  l2: number;
  seed: number;
  /** onnxruntime intra-op threads. */
  threads: number;
  /** The run's folder (checkpoints, log), e.g. runs/intensity-lite. */
  runDir: string;
  checkpointEvery: number;
  validateEvery: number;
  logEvery: number;
  /** Where the best-validation model goes (an .onnx path), or undefined for no export. */
  exportPath: string | undefined;
}

export function resolveArchitectureOption(
  variant: ModelVariant | undefined,
  depth: number | undefined,
  filters: number | undefined,
): { variant: ModelVariant | 'custom'; architecture: Architecture } {
  if (depth !== undefined || filters !== undefined) {
    if (variant !== undefined) throw badOption('give either --variant or --depth/--filters, not both', { variant, depth, filters });
    if (!Number.isInteger(depth) || !Number.isInteger(filters) || depth! < 0 || filters! < 1) {
      throw badOption(`--depth and --filters must both be given as integers (depth ≥ 0, filters ≥ 1), got ${depth} and ${filters}`, {
        depth,
        filters,
      });
    }
    const named = MODEL_VARIANTS.find((v) => ARCHITECTURES[v].depth === depth && ARCHITECTURES[v].filters === filters);
    return { variant: named ?? 'custom', architecture: { depth: depth!, filters: filters! } };
  }
  const chosen = variant ?? 'full';
  if (!MODEL_VARIANTS.includes(chosen))
    throw badOption(`--variant must be one of ${MODEL_VARIANTS.join(', ')}, got '${chosen}'`, { variant });
  return { variant: chosen, architecture: { ...ARCHITECTURES[chosen] } };
}

export function validateTrainOptions(options: TrainOptions): void {
  if (!ENHANCE_KINDS.includes(options.kind))
    throw badOption(`kind must be one of ${ENHANCE_KINDS.join(', ')}, got '${options.kind}'`, { kind: options.kind });
  const positiveIntegers: (keyof TrainOptions)[] = ['steps', 'batchSize', 'threads', 'checkpointEvery', 'validateEvery', 'logEvery'];
  for (const key of positiveIntegers) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw badOption(`${key} must be a positive integer, got ${String(value)}`, { [key]: value });
  }
  if (!(options.learningRate > 0))
    throw badOption(`learningRate must be positive, got ${options.learningRate}`, { learningRate: options.learningRate });
  if (options.warmupSteps !== undefined && (!Number.isInteger(options.warmupSteps) || options.warmupSteps < 0)) {
    throw badOption(`warmupSteps must be a non-negative integer, got ${options.warmupSteps}`, { warmupSteps: options.warmupSteps });
  }
  if (options.consistencyWeight !== undefined && !(options.consistencyWeight >= 0)) {
    throw badOption(`consistencyWeight must be ≥ 0, got ${options.consistencyWeight}`, { consistencyWeight: options.consistencyWeight });
  }
  if (options.fluxWeight !== undefined && !(options.fluxWeight >= 0)) {
    throw badOption(`fluxWeight must be ≥ 0, got ${options.fluxWeight}`, { fluxWeight: options.fluxWeight });
  }
  if (options.selectOn !== undefined && !BEST_SELECTIONS.includes(options.selectOn)) {
    throw badOption(`selectOn must be one of ${BEST_SELECTIONS.join(', ')}, got '${String(options.selectOn)}'`, {
      selectOn: options.selectOn,
    });
  }
  if (!(options.l2 >= 0)) throw badOption(`l2 must be ≥ 0, got ${options.l2}`, { l2: options.l2 });
  if (!Number.isInteger(options.seed)) throw badOption(`seed must be an integer, got ${options.seed}`, { seed: options.seed });
}

function badOption(message: string, values: Record<string, unknown>): TrainingError {
  return new TrainingError({ message: `${message} (${JSON.stringify(values)})`, code: 'TRAIN_BAD_OPTION' });
}
