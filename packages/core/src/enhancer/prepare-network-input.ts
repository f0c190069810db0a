import type { FitsHeader } from '../fits/index.js';
import type { SolarImage } from '../image/index.js';
import type { EnhanceKind } from '../kinds.js';
import type { EnhanceOptions, PlainImage } from './enhancer.js';
import { normaliseForNetwork, planLimbNormalisation } from './limb-normalisation.js';
import type { LimbNormalisation, LimbNormalisationOutcome } from './limb-normalisation.js';
import { normalisationScale } from './normalisation.js';
import { checkQaOption, DEFAULT_LIMB_NORMALISATION, DEFAULT_TTA } from './quality-check.js';
import { ttaTransforms } from './test-time-augmentation.js';
import { throwIfAborted } from './throw-if-aborted.js';
import { validateForEnhance } from './validate-for-enhance.js';

/** Off-disk and missing pixels are fed to the network as 0 (dark sky, as the original script did). */
export const MISSING_PIXEL_FILL = 0;

/** One run's image, checked, with the options resolved and the pixels in the network's units. */
export interface NetworkInput {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Absent for a plain image: the output then has none either. */
  readonly header: FitsHeader | undefined;
  /** Pixels that are NaN or infinite: their output is NaN, and tiles over nothing else are not run. */
  readonly nanCount: number;
  /** Each finite pixel divided by the scale or the limb profile; missing pixels MISSING_PIXEL_FILL. */
  readonly normalised: Float32Array;
  /** The divisor to the network's units (without the limb profile, the one applied). */
  readonly scale: number;
  readonly limbOutcome: LimbNormalisationOutcome;
  readonly limb: LimbNormalisation | undefined;
  /**
   * What the network's output is multiplied by: the scale, or 1 with the limb profile, since the output is
   * then in units of the local quiet-Sun level and multiplied by the profile afterwards.
   */
  readonly backScale: number;
  /** The result's `scale`: with the profile, its level at the image's largest μ. */
  readonly reportedScale: number;
  /** The test-time augmentation's transforms (one, the identity, without it). */
  readonly transforms: readonly number[];
  readonly qa: boolean;
}

/** The preparation step of a run: validates the image and options, then normalises the pixels. */
export function prepareNetworkInput(kind: EnhanceKind, image: PlainImage | SolarImage, options: EnhanceOptions): NetworkInput {
  const { nanCount } = validateForEnhance(image);
  const { width, height, data } = image;
  throwIfAborted(options.signal);
  // No file here: the enhancer does not know the image's, and the model is not the culprit.
  const scale = normalisationScale(kind, data, options.scale ?? 'auto');
  const transforms = ttaTransforms(options.tta ?? DEFAULT_TTA);
  const qa = checkQaOption(options.qa);
  const header = (image as Partial<SolarImage>).header;
  const limbOutcome = planLimbNormalisation(
    options.limbNormalisation ?? DEFAULT_LIMB_NORMALISATION,
    kind,
    { data, width, height, header },
    options.scale ?? 'auto',
  );
  const limb = limbOutcome.applied ? limbOutcome.limb : undefined;
  return {
    data,
    width,
    height,
    header,
    nanCount,
    normalised: normaliseForNetwork(data, width, height, scale, limb, MISSING_PIXEL_FILL),
    scale,
    limbOutcome,
    limb,
    backScale: limb ? 1 : scale,
    reportedScale: limb ? limb.centreLevel : scale,
    transforms,
    qa,
  };
}
