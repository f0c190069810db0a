import type { EnhanceKind } from '@enhance/core';
import { createRandom, type CalibrationBatch } from '@enhance/graph-builder';
import { loadTrainingSet } from '../data/index.js';
import { INTENSITY_AFFINE_AUGMENTATION, withAffineAugmentation } from '../train/affine-augmentation.js';
import { trainingDataFromSet } from '../train/enhance-training-data.js';
import { BLOS_FIELD_SCALE_AUGMENTATION, withFieldScaleAugmentation } from '../train/field-scale-augmentation.js';
import type { TrainingBatch, TrainingData } from '../train/training-data.js';

export interface CalibrationPatchOptions {
  /** The folder holding data/train (the repository's ../shared). */
  sharedDir: string;
  cacheDir?: string;
  /** Patches in all (default 512). */
  patches?: number;
  /** Patches per batch (default 32). */
  batchSize?: number;
  seed?: number;
  /**
   * Share of the patches cut by a straight limb: the part beyond a random line set to the off-disk fill 0,
   * as the enhancer feeds a full-disk frame; for intensity the patch is first darkened to a near-limb
   * level (0.35–0.6 of the quiet Sun at disk centre, the limb darkening HMI sees). Default 0: measured
   * on the full intensity network, an eighth of such patches widened the ranges so much that the int8
   * model moved further from fp32 everywhere (SHARP continuum files 1.8% instead of 1.2% relative RMS),
   * the near-limb file included (2.2% instead of 1.8%).
   */
  limbFraction?: number;
  /** Intensity: synthetic-sunspot copies of the MURaM scene among the sources (default 2). */
  sunspotScenes?: number;
  /**
   * Apply the kind's training augmentation (affine for intensity, field scale for blos); default false:
   * the intensity one stretches patches down to negative values no real image has, and the ranges it
   * calibrates cost int8 accuracy on real data (measured: 2.3% vs 1.2% relative RMS from fp32 on the SHARP
   * continuum files; for blos no difference).
   */
  augment?: boolean;
}

export interface CalibrationPatches {
  batches: CalibrationBatch[];
  /** What they are, for the int8 model's metadata. */
  description: Record<string, unknown>;
}

/**
 * Calibration inputs for int8 quantisation: training patches as training draws them (the degradation and
 * the input noise; for intensity with synthetic sunspots among the sources; the augmentations and limb
 * cuts only on request).
 * Only training sources (MURaM, GST/NIRIS) are used: the real HMI files stay evaluation data.
 */
export async function calibrationPatches(kind: EnhanceKind, options: CalibrationPatchOptions): Promise<CalibrationPatches> {
  const {
    sharedDir,
    cacheDir,
    patches = 512,
    batchSize = 32,
    seed = 20260101,
    limbFraction = 0,
    sunspotScenes = 2,
    augment = false,
  } = options;
  const { set, data } = await calibrationTrainingData(kind, options);
  const random = createRandom(seed);
  const size = data.patchSize;
  const batches: CalibrationBatch[] = [];
  let limbPatches = 0;
  for (let start = 0; start < patches; start += batchSize) {
    const count = Math.min(batchSize, patches - start);
    const batch: TrainingBatch = data.train.sampleBatch(count, random);
    for (let n = 0; n < count; n++) {
      if (random() >= limbFraction) continue;
      cutByLimb(
        batch.inputs.subarray(n * size * size, (n + 1) * size * size),
        size,
        random,
        kind === 'intensity' ? 0.35 + 0.25 * random() : 1,
      );
      limbPatches++;
    }
    batches.push({ dims: [count, 1, size, size], data: batch.inputs });
  }
  return {
    batches,
    description: {
      source: 'training patches (@enhance/training), degraded and noised as in training',
      kind,
      patches,
      patch_size: size,
      seed,
      limb_cut_patches: limbPatches,
      training_sources: set.info.sources.filter((s) => s.split !== 'validation').map((s) => s.file),
      augmentation: data.description.augmentation ?? null,
      ...(kind === 'intensity' ? { sunspot_scenes: sunspotScenes } : {}),
    },
  };
}

/**
 * The training data calibration patches are drawn from (its sources, sunspot scenes and, on request,
 * augmentation, as `calibrationPatches` describes); quantisation-aware training draws from it too.
 */
export async function calibrationTrainingData(
  kind: EnhanceKind,
  options: CalibrationPatchOptions,
): Promise<{ set: Awaited<ReturnType<typeof loadTrainingSet>>; data: TrainingData }> {
  const { sharedDir, cacheDir, seed = 20260101, sunspotScenes = 2, augment = false } = options;
  const set = await loadTrainingSet(kind, {
    sharedDir,
    seed,
    ...(cacheDir ? { cacheDir } : {}),
    ...(kind === 'intensity' ? { sunspotScenes } : {}),
  });
  const data = !augment
    ? trainingDataFromSet(set)
    : kind === 'intensity'
      ? withAffineAugmentation(trainingDataFromSet(set), INTENSITY_AFFINE_AUGMENTATION)
      : withFieldScaleAugmentation(set, BLOS_FIELD_SCALE_AUGMENTATION);
  return { set, data };
}

/** Multiplies the patch by `level`, then sets the pixels on one side of a random line through it to 0 (off the disk). */
function cutByLimb(input: Float32Array, size: number, random: () => number, level: number): void {
  const angle = 2 * Math.PI * random();
  const [nx, ny] = [Math.cos(angle), Math.sin(angle)];
  // The line passes within the central half of the patch, so both sides keep pixels.
  const offset = (random() - 0.5) * size * 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      input[i] = (x - size / 2) * nx + (y - size / 2) * ny > offset ? 0 : level * input[i];
    }
  }
}
