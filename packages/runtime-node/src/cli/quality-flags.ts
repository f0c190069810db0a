import { DEFAULT_LIMB_NORMALISATION, DEFAULT_TTA, LIMB_NORMALISATION_OPTIONS, REDEGRADE_MODEL_FILE, TTA_OPTIONS } from '@enhance/core';
import type { EnhanceResult, LimbNormalisationOption, QualityOptions, SolarImage, TtaOption } from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';
import { nodeBackend } from '../node-backend.js';

/** The help lines of the quality options; `summaryIn` says where the quality check's summary goes. */
export function qualityUsage(summaryIn: string): string {
  return `  --qa                    also degrade the output again (training PSF, 2×2 mean) and compare it with
                          the input: residual map in HDU RESIDUAL, summary ${summaryIn}; one
                          warning line when it exceeds what the model card measured on real HMI data
  --tta <n>               1 | 4 | 8: mean over the flips (4) or flips and quarter turns (8) the networks
                          were trained with, their standard deviation in HDU SPREAD (default: 1)
  --limb-normalisation <m>
                          auto | on | off: continuum on the solar disk (placed by the header) divided by
                          its own centre-to-limb profile I(μ) instead of one level (default: off)`;
}

/** parseArgs options of the quality flags. */
export const QUALITY_OPTIONS = {
  qa: { type: 'boolean' },
  tta: { type: 'string' },
  'limb-normalisation': { type: 'string' },
} as const;

/** The quality options, checked, with the library's defaults for those not given. */
export function parseQualityFlags(values: Record<string, string | boolean | undefined>): Required<QualityOptions> {
  const text = values.tta as string | undefined;
  const tta = text === undefined ? DEFAULT_TTA : Number(text);
  if (text !== undefined && (!/^\d+$/.test(text) || !TTA_OPTIONS.includes(tta as TtaOption))) {
    throw new CliUsageError({ message: `--tta ${JSON.stringify(values.tta)} is invalid: expected ${TTA_OPTIONS.join(' | ')}` });
  }
  const limb = (values['limb-normalisation'] as string | undefined) ?? DEFAULT_LIMB_NORMALISATION;
  if (!LIMB_NORMALISATION_OPTIONS.includes(limb as LimbNormalisationOption)) {
    throw new CliUsageError({
      message: `--limb-normalisation ${JSON.stringify(limb)} is invalid: expected ${LIMB_NORMALISATION_OPTIONS.join(' | ')}`,
    });
  }
  return { qa: values.qa === true, tta: tta as TtaOption, limbNormalisation: limb as LimbNormalisationOption };
}

/**
 * With --qa, the quality check's model must be installed: checked before any network runs (its absence
 * would otherwise be found only after the first image), in the words of the enhancer's own refusal.
 */
export async function checkQualityCheckInstalled(qa: boolean): Promise<void> {
  if (qa) await nodeBackend.loadSupportFile!(REDEGRADE_MODEL_FILE);
}

/** What --json adds: the quality check's summary, the augmentation and the limb normalisation. */
export function qualitySummary(result: EnhanceResult<SolarImage>): Record<string, unknown> {
  const limb = result.limbNormalisation;
  return {
    tta: result.tta,
    limbNormalisation: limb.applied
      ? {
          applied: true,
          disk: limb.limb.disk,
          profile: limb.limb.profile,
          centreLevel: limb.limb.centreLevel,
          levelRange: limb.limb.levelRange,
        }
      : { applied: false, reason: limb.reason },
    qa: result.qa ? { ...result.qa.summary, hdu: 'RESIDUAL' } : null,
    spread: result.spread ? { hdu: 'SPREAD' } : null,
  };
}
