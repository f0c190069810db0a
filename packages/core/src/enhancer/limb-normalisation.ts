import type { EnhanceKind } from '../kinds.js';
import type { FitsHeader } from '../fits/fits-header.js';
import { evaluateLimbDarkening, fitLimbDarkening, muAt } from '../image/limb-darkening.js';
import type { LimbDarkeningProfile } from '../image/limb-darkening.js';
import { isSolarDisk, solarDiskFromHeader } from '../image/solar-disk.js';
import type { SolarDisk } from '../image/solar-disk.js';
import { EnhancerError, invalidOption } from './enhancer-errors.js';
import type { ScaleOption } from './normalisation.js';

/**
 * Whether a continuum image on the solar disk is divided by its own centre-to-limb profile I(μ) before
 * the network (and multiplied by it after), instead of by one quiet-Sun level. 'auto': when the header
 * places the disk on the image (solarDiskFromHeader) and the profile changes by more than
 * LIMB_PROFILE_MIN_RANGE across it; 'on': the same, and an error when it cannot; 'off' (the default,
 * DEFAULT_LIMB_NORMALISATION): never. Magnetograms are never affected, and an explicit scale turns it off.
 */
export type LimbNormalisationOption = 'auto' | 'on' | 'off';
export const LIMB_NORMALISATION_OPTIONS: readonly LimbNormalisationOption[] = Object.freeze(['auto', 'on', 'off']);

/** Below a 2% change of I(μ) over the image one level is as good (disk-centre cut-outs). */
export const LIMB_PROFILE_MIN_RANGE = 1.02;

export interface LimbNormalisation {
  readonly disk: SolarDisk;
  readonly profile: LimbDarkeningProfile;
  /** The profile at the image's largest μ: the level the plain normalisation would aim for. */
  readonly centreLevel: number;
  /** The profile's smallest and largest value over the image's on-disk pixels. */
  readonly levelRange: readonly [number, number];
}

/** What happened to the limb normalisation on one run: applied, or skipped with why. */
export type LimbNormalisationOutcome =
  { readonly applied: true; readonly limb: LimbNormalisation } | { readonly applied: false; readonly reason: string };

/** Decides and fits; throws only for 'on' when it cannot be done, naming why. */
export function planLimbNormalisation(
  option: LimbNormalisationOption,
  kind: EnhanceKind,
  image: { data: ArrayLike<number>; width: number; height: number; header?: FitsHeader },
  scale: ScaleOption,
): LimbNormalisationOutcome {
  if (!LIMB_NORMALISATION_OPTIONS.includes(option)) {
    throw invalidOption('limbNormalisation', option, LIMB_NORMALISATION_OPTIONS.map((o) => `'${o}'`).join(' | '));
  }
  const skip = (reason: string): LimbNormalisationOutcome => {
    if (option === 'on') {
      throw new EnhancerError({
        code: 'OPTION_INVALID',
        message: `option limbNormalisation = 'on' cannot be applied: ${reason}`,
        details: { option: 'limbNormalisation', value: option, reason },
      });
    }
    return { applied: false, reason };
  };
  if (option === 'off') return { applied: false, reason: "limbNormalisation is 'off'" };
  if (kind !== 'intensity') return skip('magnetograms are divided by 1000 G, with no centre-to-limb profile');
  if (scale !== 'auto') return skip(`an explicit scale (${scale}) was given`);
  if (!image.header) return skip('the image has no header to place the solar disk');
  const disk = solarDiskFromHeader(image.header);
  if (!isSolarDisk(disk)) return skip(`the header does not place the solar disk: ${disk.reason}`);
  const { data, width, height } = image;
  const profile = fitLimbDarkening(data, width, height, disk);
  if (!profile)
    return skip(
      "the image spans less than 0.03 in μ (fewer than 3 of the fit's bins) or has no positive pixel on the disk: no profile to fit, one level does",
    );
  let low = Infinity;
  let high = -Infinity;
  for (const mu of [
    profile.muMin,
    profile.muMax,
    ...Array.from({ length: 99 }, (_, i) => profile.muMin + ((i + 1) * (profile.muMax - profile.muMin)) / 100),
  ]) {
    const level = evaluateLimbDarkening(profile, mu);
    low = Math.min(low, level);
    high = Math.max(high, level);
  }
  if (!(low > 0)) return skip(`the fitted profile is not positive over μ ${profile.muMin.toFixed(3)}–${profile.muMax.toFixed(3)}`);
  if (high / low < LIMB_PROFILE_MIN_RANGE) {
    return skip(
      `the profile changes by ${((high / low - 1) * 100).toFixed(1)}% over the image (μ ${profile.muMin.toFixed(2)}–${profile.muMax.toFixed(2)}): one level does`,
    );
  }
  return { applied: true, limb: { disk, profile, centreLevel: evaluateLimbDarkening(profile, profile.muMax), levelRange: [low, high] } };
}

/** The profile's level at a 0-based input pixel position (fractional positions allowed); off the disk, its limb value. */
export function limbLevelAt(limb: LimbNormalisation, x: number, y: number): number {
  return evaluateLimbDarkening(limb.profile, muAt(limb.disk, x, y));
}

/**
 * The network's input: each finite pixel divided by the profile's level there (quiet Sun ≈ 1 from centre
 * to limb), or by `scale` without a profile; missing pixels become `fill`.
 */
export function normaliseForNetwork(
  data: ArrayLike<number>,
  width: number,
  height: number,
  scale: number,
  limb: LimbNormalisation | undefined,
  fill: number,
): Float32Array {
  const normalised = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const value = data[i];
      normalised[i] = Number.isFinite(value) ? value / (limb ? limbLevelAt(limb, x, y) : scale) : fill;
    }
  }
  return normalised;
}

/**
 * Multiplies an output-grid plane (`factor` times finer) by the profile's level at each output pixel's
 * centre: output pixel X covers input positions [X/factor − ½, (X + 1)/factor − ½), its centre at
 * (X + ½)/factor − ½.
 */
export function multiplyByLimbLevel(
  plane: Float32Array,
  outWidth: number,
  outHeight: number,
  limb: LimbNormalisation,
  factor: number,
): void {
  for (let y = 0; y < outHeight; y++) {
    const inputY = (y + 0.5) / factor - 0.5;
    for (let x = 0; x < outWidth; x++) plane[y * outWidth + x] *= limbLevelAt(limb, (x + 0.5) / factor - 0.5, inputY);
  }
}
