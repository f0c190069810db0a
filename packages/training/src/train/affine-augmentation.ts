import type { TrainingData } from './training-data.js';

/**
 * 'none': the paper's patches. 'affine' (intensity): some patches get a random level and contrast (see
 * below). 'scale' (magnetograms): some patches have their field scaled down before the noise is added
 * (./field-scale-augmentation.ts).
 */
export type Augmentation = 'none' | 'affine' | 'scale';
export const AUGMENTATIONS: readonly Augmentation[] = Object.freeze(['none', 'affine', 'scale']);

export interface AffineAugmentationSettings {
  /** Share of the patches transformed. */
  fraction: number;
  /** Range of the new mean level. */
  level: readonly [number, number];
  /** Range of the contrast factor. */
  contrast: readonly [number, number];
}

/**
 * For continuum intensity: the MURaM snapshot is quiet Sun only (values about 0.6–1.4), so a network
 * trained on it extrapolates wildly in sunspots (measured: lite model, 400 steps, mean output −6.4 where
 * HMI shows 0.18). Both degradations (PSF convolution with a unit-sum kernel, area rebinning) are linear
 * and keep constants, so mapping input and target by the same v → m + a·(v − μ) gives another exact
 * training pair; with m down to umbral levels the network sees dark structured scenes.
 */
export const INTENSITY_AFFINE_AUGMENTATION: Readonly<AffineAugmentationSettings> = Object.freeze({
  fraction: 0.5,
  level: [0.1, 1.1] as const,
  contrast: [0.2, 1.5] as const,
});

export function withAffineAugmentation(data: TrainingData, settings: AffineAugmentationSettings): TrainingData {
  const p = data.patchSize;
  const inputSize = p * p;
  const targetSize = 4 * p * p;
  return {
    ...data,
    train: {
      sampleBatch(count, random) {
        const batch = data.train.sampleBatch(count, random);
        for (let n = 0; n < batch.count; n++) {
          if (random() >= settings.fraction) continue;
          const level = settings.level[0] + (settings.level[1] - settings.level[0]) * random();
          const contrast = settings.contrast[0] + (settings.contrast[1] - settings.contrast[0]) * random();
          const target = batch.targets.subarray(n * targetSize, (n + 1) * targetSize);
          const input = batch.inputs.subarray(n * inputSize, (n + 1) * inputSize);
          let mean = 0;
          for (let i = 0; i < target.length; i++) mean += target[i];
          mean /= target.length;
          for (let i = 0; i < target.length; i++) target[i] = level + contrast * (target[i] - mean);
          for (let i = 0; i < input.length; i++) input[i] = level + contrast * (input[i] - mean);
        }
        return batch;
      },
    },
    description: { ...data.description, augmentation: { affine: settings } },
  };
}
