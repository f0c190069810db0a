import { addInputNoise, type InputNoise } from '../data/patch-sampler.js';
import type { TrainingSet } from '../data/load-training-set.js';
import { trainingDataFromSet } from './enhance-training-data.js';
import type { TrainingData } from './training-data.js';

export interface FieldScaleAugmentationSettings {
  /** Share of the patches scaled. */
  fraction: number;
  /** Range of the scale factor, drawn uniformly in its logarithm. */
  scale: readonly [number, number];
}

/**
 * For magnetograms: the GST/NIRIS maps show plage and network of one region, so a network trained on
 * them has never seen a quiet-Sun map whose fields are all weak and mostly noise — and on real HMI quiet
 * areas it amplifies that noise (measured: weak-field |B| ×1.4–2.8). Both degradations are linear, so
 * the field scaled by s before degrading gives the pair (s·input, s·target) exactly; the input noise is
 * added afterwards at its usual level (or per-patch range), so scaled patches hold weak fields at HMI's noise, with the
 * truth saying how little of them is real.
 */
export const BLOS_FIELD_SCALE_AUGMENTATION: Readonly<FieldScaleAugmentationSettings> = Object.freeze({
  fraction: 0.5,
  scale: [0.02, 1] as const,
});

export function withFieldScaleAugmentation(
  set: TrainingSet,
  settings: FieldScaleAugmentationSettings,
  options: { inputNoise?: InputNoise } = {},
): TrainingData {
  const data = trainingDataFromSet(set, options);
  const inputNoise = options.inputNoise ?? set.info.inputNoiseSigma;
  const p = data.patchSize;
  const inputSize = p * p;
  const targetSize = 4 * p * p;
  const [low, high] = settings.scale.map(Math.log);
  return {
    ...data,
    train: {
      sampleBatch(count, random) {
        const batch = set.train.sampleBatch(count, random, { inputNoise: 0 });
        for (let n = 0; n < batch.count; n++) {
          if (random() >= settings.fraction) continue;
          const s = Math.exp(low + (high - low) * random());
          const target = batch.targets.subarray(n * targetSize, (n + 1) * targetSize);
          const input = batch.inputs.subarray(n * inputSize, (n + 1) * inputSize);
          for (let i = 0; i < target.length; i++) target[i] *= s;
          for (let i = 0; i < input.length; i++) input[i] *= s;
        }
        addInputNoise(batch.inputs, inputSize, inputNoise, random);
        return batch;
      },
    },
    description: { ...data.description, augmentation: { field_scale: settings } },
  };
}
