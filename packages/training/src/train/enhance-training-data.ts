import type { EnhanceKind } from '@enhance/core';
import { INPUT_PATCH_SIZE, checkInputNoise, loadTrainingSet, type InputNoise, type TrainingSet } from '../data/index.js';
import type { TrainingData } from './training-data.js';

/**
 * Adapts the real training sets (../data) to what the training loop consumes; `inputNoise` replaces the
 * paper's training noise (validation keeps its fixed draw at the paper's σ, so runs stay comparable).
 */
export function trainingDataFromSet(set: TrainingSet, options: { inputNoise?: InputNoise } = {}): TrainingData {
  const { info } = set;
  const inputNoise = options.inputNoise ?? info.inputNoiseSigma;
  checkInputNoise(inputNoise);
  return {
    patchSize: INPUT_PATCH_SIZE,
    train: { sampleBatch: (count, random) => set.train.sampleBatch(count, random, { inputNoise }) },
    validation: { batches: (size) => set.validation.batches(size), groups: set.validation.groups },
    description: {
      kind: info.kind,
      units: info.units,
      scales_arcsec: { source: info.sourceScaleArcsec, input: info.inputScaleArcsec, target: info.targetScaleArcsec },
      input_psf: info.inputPsf,
      target_psf: info.targetPsf,
      input_noise_sigma: inputNoise,
      sources: info.sources,
      training_windows: info.trainingWindows,
      validation_patches: info.validationPatches,
      validation_regions: info.validationRegions,
      ...(info.sunspotScenes ? { sunspot_scenes: info.sunspotScenes.length } : {}),
      ...(info.quietScenes ? { quiet_surroundings_scenes: info.quietScenes.length } : {}),
    },
  };
}

export async function loadEnhanceTrainingData(
  kind: EnhanceKind,
  options: { sharedDir: string; seed: number; cacheDir?: string; sunspotScenes?: number },
): Promise<TrainingData> {
  return trainingDataFromSet(await loadTrainingSet(kind, options));
}
