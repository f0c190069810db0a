import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ENHANCE_KINDS,
  INT8_RELATIVE_RMS_BOUND,
  MODEL_VARIANTS,
  modelFileName,
  normalisationScale,
  type EnhanceKind,
  type ModelVariant,
} from '@enhance/core';
import { addGaussianNoise, createRandom, readModel } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { INPUT_NOISE_SIGMA } from '../data/load-training-set.js';
import { readNpy } from '../data/read-npy.js';
import { HMI_QUIET_SUN_FILE } from '../physics/psf-spectrum-comparison.js';
import {
  createRedegrade,
  FIELD_GAIN_BAND_KG,
  finite,
  HMI_CONTINUUM_FILES,
  HMI_EXTRA_CONTINUUM_FILES,
  HMI_MAGNETOGRAM_FILES,
  readFitsPlane,
  realImageCheck,
  scaled,
  TARGET_CUTOFF_CYCLES_PER_PX,
  umbralChange,
} from './evaluate-enhance.js';
import { beyondCutoffPowerFraction } from './artefact-metrics.js';
import { fieldGain, rmsContrast } from './image-metrics.js';
import { createBicubicModel, createBilinearModel, onnxImageMethod, type ImageMethod } from './onnx-image-method.js';

/** The bound the int8 models are held to: relative RMS difference from fp32 on every real HMI file. */
export const INT8_RELATIVE_RMS_MAX = INT8_RELATIVE_RMS_BOUND;
/** Independent noise draws that set each science metric's noise level. */
const NOISE_DRAWS = 2;

/** One science metric of the model card, for fp32 and int8, with the change the data's noise causes. */
export interface Int8MetricComparison {
  readonly metric: string;
  readonly fp32: number;
  readonly int8: number;
  /** RMS change of the fp32 metric over NOISE_DRAWS draws of the training input noise (σ 1e-3 I/Ic, 10 G). */
  readonly noise: number;
  /** |int8 − fp32| ≤ noise. */
  readonly withinNoise: boolean;
}

export interface Int8FileComparison {
  readonly kind: EnhanceKind;
  readonly variant: ModelVariant;
  readonly image: string;
  /** ‖int8 − fp32‖ / ‖fp32‖ over the output pixels of finite input pixels. */
  readonly relativeRms: number;
  readonly metrics: Int8MetricComparison[];
}

export interface Int8Evaluation {
  readonly models: {
    kind: EnhanceKind;
    variant: ModelVariant;
    file: string;
    bytes: number;
    fp32Bytes: number;
    quantization: Record<string, unknown>;
  }[];
  readonly files: Int8FileComparison[];
  readonly noiseSigma: Readonly<Record<EnhanceKind, number>>;
}

export interface EvaluateInt8Options {
  sharedDir: string;
  modelsDir: string;
  threads?: number;
  kinds?: readonly EnhanceKind[];
  log?: (line: string) => void;
}

/** The real HMI images of a kind, in network units with NaN kept (as evaluateEnhance prepares them). */
async function realImages(kind: EnhanceKind, sharedDir: string): Promise<{ name: string; raw: ImagePlane; unitsPerValue: number }[]> {
  const hmi = (file: string) => join(sharedDir, 'data', 'hmi', file);
  if (kind === 'blos') {
    return Promise.all(
      HMI_MAGNETOGRAM_FILES.map(async (file) => ({
        name: file,
        raw: scaled(await readFitsPlane(hmi(file), file), 1 / 1000),
        unitsPerValue: 1000,
      })),
    );
  }
  const images: { name: string; raw: ImagePlane; unitsPerValue: number }[] = [];
  const quietSun = readNpy(new Uint8Array(await readFile(join(sharedDir, 'data', 'calib', HMI_QUIET_SUN_FILE))), {
    file: HMI_QUIET_SUN_FILE,
  });
  let mean = 0;
  for (const v of quietSun.data) mean += v / quietSun.data.length;
  images.push({
    name: HMI_QUIET_SUN_FILE,
    raw: { width: quietSun.shape[1], height: quietSun.shape[0], data: Float64Array.from(quietSun.data, (v) => v / mean) },
    unitsPerValue: 1,
  });
  for (const file of HMI_CONTINUUM_FILES) images.push({ name: file, raw: await readFitsPlane(hmi(file), file), unitsPerValue: 1 });
  for (const file of HMI_EXTRA_CONTINUUM_FILES) {
    const raw = await readFitsPlane(hmi(file), file);
    images.push({ name: file, raw: scaled(raw, 1 / normalisationScale('intensity', raw.data, 'auto', file)), unitsPerValue: 1 });
  }
  return images;
}

/**
 * What int8 costs: for every model with both an fp32 and an int8 file in `modelsDir`, the relative RMS
 * difference of the outputs on every real HMI file, and each science metric of the model card for both,
 * against the change the input noise of the training data (the paper's σ) causes in the fp32 metric.
 */
export async function evaluateInt8(options: EvaluateInt8Options): Promise<Int8Evaluation> {
  const { sharedDir, modelsDir, threads = 2, kinds = ENHANCE_KINDS, log = () => {} } = options;
  const result: Int8Evaluation = { models: [], files: [], noiseSigma: INPUT_NOISE_SIGMA };
  const bicubic = await onnxImageMethod('bicubic', createBicubicModel(), { threads });
  const bilinear = await onnxImageMethod('bilinear', createBilinearModel(), { threads });
  const redegrade = createRedegrade();
  try {
    for (const kind of kinds) {
      const pairs: { variant: ModelVariant; fp32: ImageMethod; int8: ImageMethod }[] = [];
      try {
        for (const variant of MODEL_VARIANTS) {
          const fp32File = join(modelsDir, modelFileName(kind, variant));
          const int8File = join(modelsDir, modelFileName(kind, variant, 'int8'));
          if (!existsSync(fp32File) || !existsSync(int8File)) continue;
          const int8Bytes = new Uint8Array(await readFile(int8File));
          const { metadata } = readModel(int8Bytes, int8File);
          result.models.push({
            kind,
            variant,
            file: int8File,
            bytes: int8Bytes.length,
            fp32Bytes: (await readFile(fp32File)).length,
            quantization: metadata.quantization ? (JSON.parse(metadata.quantization) as Record<string, unknown>) : {},
          });
          pairs.push({
            variant,
            fp32: await onnxImageMethod(`Enhance ${variant}`, fp32File, { threads }),
            int8: await onnxImageMethod(`Enhance ${variant} int8`, int8Bytes, { threads }),
          });
        }
        if (pairs.length === 0) continue;
        for (const { name, raw, unitsPerValue } of await realImages(kind, sharedDir)) {
          const image = finite(raw);
          const upsampled = await bicubic.run(image);
          const interpolated = await bilinear.run(image);
          const beyondCutoffInput = beyondCutoffPowerFraction(upsampled, TARGET_CUTOFF_CYCLES_PER_PX);
          const metricsOf = (output: ImagePlane): Record<string, number> => {
            const check = realImageCheck(kind, name, 'Enhance', raw, image, output, upsampled, unitsPerValue, redegrade, beyondCutoffInput);
            const common = {
              're-degraded residual': check.redegradedResidual,
              'power beyond the 28 cm cutoff': check.beyondCutoff,
              'streak index': check.streakIndex,
            };
            if (kind === 'intensity') {
              return {
                'mean out/in': check.meanRatio ?? Number.NaN,
                ...common,
                'RMS contrast': rmsContrast(output),
                'umbral change': umbralChange(interpolated, output),
              };
            }
            return {
              'unsigned flux out/in': check.fluxRatio ?? Number.NaN,
              'weak-field |B| out/in': check.weakFieldRatio ?? Number.NaN,
              ...common,
              'gain near 1 kG': fieldGain(output, interpolated, FIELD_GAIN_BAND_KG[0], FIELD_GAIN_BAND_KG[1]).gain,
            };
          };
          for (const { variant, fp32, int8 } of pairs) {
            const reference = await fp32.run(image);
            const quantized = await int8.run(image);
            const noisy: Record<string, number>[] = [];
            for (let draw = 0; draw < NOISE_DRAWS; draw++) {
              // Noise on the disk only: off-disk pixels stay at the fill value, as in the real files.
              const noise = new Float64Array(image.data.length);
              addGaussianNoise(noise, INPUT_NOISE_SIGMA[kind], createRandom(1000 + draw));
              const data = image.data.map((v, i) => (Number.isFinite(raw.data[i]) ? v + noise[i] : v));
              noisy.push(metricsOf(await fp32.run({ ...image, data })));
            }
            const [before, after] = [metricsOf(reference), metricsOf(quantized)];
            const metrics = Object.keys(before)
              .map((metric): Int8MetricComparison => {
                const noise = Math.sqrt(noisy.reduce((sum, m) => sum + (m[metric] - before[metric]) ** 2, 0) / noisy.length);
                return {
                  metric,
                  fp32: before[metric],
                  int8: after[metric],
                  noise,
                  withinNoise: Math.abs(after[metric] - before[metric]) <= noise,
                };
              })
              .filter((m) => Number.isFinite(m.fp32));
            result.files.push({ kind, variant, image: name, relativeRms: onDiskRelativeRms(quantized, reference, raw), metrics });
            log(
              `${kind} ${variant} int8 on ${name}: relative RMS from fp32 ${(100 * result.files[result.files.length - 1].relativeRms).toFixed(3)}%`,
            );
          }
        }
      } finally {
        for (const { fp32, int8 } of pairs) await Promise.all([fp32.release(), int8.release()]);
      }
    }
  } finally {
    await Promise.all([bicubic.release(), bilinear.release()]);
  }
  return result;
}

/** Relative RMS difference over the output pixels whose input pixel (2×2 block) is finite. */
function onDiskRelativeRms(output: ImagePlane, reference: ImagePlane, raw: ImagePlane): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < reference.data.length; i++) {
    const x = ((i % reference.width) / 2) | 0;
    const y = (i / reference.width / 2) | 0;
    if (!Number.isFinite(raw.data[y * raw.width + x])) continue;
    difference += (output.data[i] - reference.data[i]) ** 2;
    norm += reference.data[i] ** 2;
  }
  return Math.sqrt(difference / norm);
}
