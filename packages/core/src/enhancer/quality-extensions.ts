import type { FitsImageExtension } from '../fits/write-fits.js';
import type { SolarImage } from '../image/solar-image.js';
import type { EnhanceResult } from './enhancer.js';

/**
 * The extra HDUs of an enhanced file, for writeFits's `extensions`: RESIDUAL (the quality check's map,
 * input grid and WCS) and SPREAD (test-time augmentation, output grid and WCS), each in the input's
 * BUNIT. Both runtimes write the same.
 */
export function qualityExtensions(result: EnhanceResult<SolarImage>): FitsImageExtension[] {
  const unit = result.image.header.getString('BUNIT')?.trim() || undefined;
  const extensions: FitsImageExtension[] = [];
  if (result.qa) {
    extensions.push({
      image: result.qa.residual,
      name: 'RESIDUAL',
      unit,
      comments: [
        'Quality check: the enhanced image (primary HDU) degraded again with the training PSF',
        '(HMI, 99% of its energy) and averaged 2x2 onto the input grid, minus the input.',
      ],
    });
  }
  if (result.spread) {
    extensions.push({
      image: result.spread,
      name: 'SPREAD',
      unit,
      comments: [
        `Test-time augmentation: per-pixel standard deviation over the ${result.tta} flips/rotations`,
        'whose mean is the primary HDU (an uncertainty proxy, not an error bar).',
      ],
    });
  }
  return extensions;
}
