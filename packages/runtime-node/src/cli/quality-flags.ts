import { LIMB_NORMALISATION_OPTIONS, TTA_OPTIONS } from '@enhance/core';
import type { EnhanceResult, LimbNormalisationOption, QualityOptions, SolarImage, TtaOption } from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';

/** The run command's help lines for the quality options. */
export const QUALITY_USAGE = `  --qa                    also degrade the output again (training PSF, 2×2 mean) and compare it with
                          the input: residual map in HDU RESIDUAL, summary in --json, one warning
                          line when it exceeds what the model card measured on real HMI data
  --tta <n>               1 | 4 | 8: mean over the flips (4) or flips and quarter turns (8) the networks
                          were trained with, their standard deviation in HDU SPREAD (default: 1)
  --limb-normalisation <m>
                          auto | on | off: continuum on the solar disk (placed by the header) divided by
                          its own centre-to-limb profile I(μ) instead of one level (default: off)`;

/** parseArgs options of the quality flags. */
export const QUALITY_OPTIONS = {
  qa: { type: 'boolean' },
  tta: { type: 'string' },
  'limb-normalisation': { type: 'string' },
} as const;

export function parseQualityFlags(values: { qa?: boolean; tta?: string; 'limb-normalisation'?: string }): Required<Pick<QualityOptions, 'qa'>> & QualityOptions {
  const tta = values.tta === undefined ? undefined : Number(values.tta);
  if (tta !== undefined && (!/^\d+$/.test(values.tta!) || !TTA_OPTIONS.includes(tta as TtaOption))) {
    throw new CliUsageError({ message: `--tta ${JSON.stringify(values.tta)} is invalid: expected ${TTA_OPTIONS.join(' | ')}` });
  }
  const limb = values['limb-normalisation'];
  if (limb !== undefined && !LIMB_NORMALISATION_OPTIONS.includes(limb as LimbNormalisationOption)) {
    throw new CliUsageError({ message: `--limb-normalisation ${JSON.stringify(limb)} is invalid: expected ${LIMB_NORMALISATION_OPTIONS.join(' | ')}` });
  }
  return {
    qa: values.qa === true,
    ...(tta !== undefined ? { tta: tta as TtaOption } : {}),
    ...(limb !== undefined ? { limbNormalisation: limb as LimbNormalisationOption } : {}),
  };
}

/** What --json adds: the quality check's summary, the augmentation and the limb normalisation. */
export function qualitySummary(result: EnhanceResult<SolarImage>): Record<string, unknown> {
  const limb = result.limbNormalisation;
  return {
    tta: result.tta,
    limbNormalisation: limb.applied
      ? { applied: true, disk: limb.limb.disk, profile: limb.limb.profile, centreLevel: limb.limb.centreLevel, levelRange: limb.limb.levelRange }
      : { applied: false, reason: limb.reason },
    qa: result.qa ? { ...result.qa.summary, hdu: 'RESIDUAL' } : null,
    spread: result.spread ? { hdu: 'SPREAD' } : null,
  };
}
