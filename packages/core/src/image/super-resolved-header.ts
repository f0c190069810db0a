import { FitsError } from '../fits/fits-error.js';
import type { FitsHeader } from '../fits/fits-header.js';

const AXIS_LENGTH = /^NAXIS[12]$/;
const PIXEL_SCALE = /^(CDELT[12]|CD[12]_[12])[A-Z]?$/;
const REFERENCE_PIXEL = /^CRPIX[12][A-Z]?$/;

/**
 * The header of an image resampled `factor` times finer on both axes, with world coordinates kept:
 * NAXISi × factor, CDELTi and CDi_j ÷ factor, PCi_j, CROTA2 and CRVALi unchanged, and
 * CRPIXi' = factor·CRPIXi − (factor − 1)/2 (CRPIX is 1-based and FITS pixel centres are integers,
 * so input pixel p spans [p − ½, p + ½] and output pixel p' has its centre at (p' − ½)/factor + ½).
 * Alternate WCS (suffix A–Z) is updated the same way. HMI's own pixel keywords follow: R_SUN
 * (pixels) × factor, IMSCL_MP (arcsec/pixel) ÷ factor, X0_MP/Y0_MP (0-based pixels) → factor·x + (factor − 1)/2.
 * Each `history` entry becomes a HISTORY card.
 */
export function superResolvedHeader(header: FitsHeader, factor = 2, history: readonly string[] = []): FitsHeader {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new FitsError({
      code: 'FITS_BAD_HEADER',
      message: `super-resolution factor = ${factor}: expected a positive integer`,
      details: { factor },
    });
  }
  const shift = (factor - 1) / 2;
  let result = header;
  for (const card of header.cards) {
    const value = card.value;
    if (typeof value !== 'number') continue;
    if (AXIS_LENGTH.test(card.key)) result = result.with(card.key, value * factor);
    else if (PIXEL_SCALE.test(card.key) || card.key === 'IMSCL_MP') result = result.with(card.key, value / factor);
    else if (REFERENCE_PIXEL.test(card.key)) result = result.with(card.key, factor * value - shift);
    else if (card.key === 'R_SUN') result = result.with(card.key, value * factor);
    else if (card.key === 'X0_MP' || card.key === 'Y0_MP') result = result.with(card.key, factor * value + shift);
  }
  for (const text of history) result = result.withHistory(text);
  return result;
}
