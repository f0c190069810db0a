import type { EnhanceKind, FitsHeader, ScaleOption } from '@enhance/core';

const MAGNETIC_UNITS = /^(g|gauss|kg|kgauss|mx\s*\/\s*cm\^?2|mx\s*cm\^?-2)$/;
const INTENSITY_UNITS = /dn|counts?\b|adu|erg|w\s*\/\s*m|photons?|i\s*\/\s*ic/;
const MAGNETIC_CONTENT = /magnetogram|magnetic field/;
const INTENSITY_CONTENT = /continuum|intensity/;

/**
 * The kind an HMI-like header describes: BUNIT in Gauss (or CONTENT naming a magnetogram) → 'blos';
 * intensity units (DN/s, counts, erg...) or CONTENT naming the continuum → 'intensity'. Undefined
 * when the header says neither, so the user must choose with --kind.
 */
export function inferKindFromHeader(header: FitsHeader): EnhanceKind | undefined {
  const unit = (header.getString('BUNIT') ?? '').trim().toLowerCase();
  const content = (header.getString('CONTENT') ?? '').toLowerCase();
  if (MAGNETIC_UNITS.test(unit) || MAGNETIC_CONTENT.test(content)) return 'blos';
  if ((unit !== '' && INTENSITY_UNITS.test(unit)) || INTENSITY_CONTENT.test(content)) return 'intensity';
  return undefined;
}

/**
 * The scale 'auto' stands for, given the header: a magnetogram already in kilogauss needs no division
 * (the network works in kG); everything else is left to the enhancer's estimate.
 */
export function defaultScaleForHeader(header: FitsHeader, kind: EnhanceKind): ScaleOption {
  const unit = (header.getString('BUNIT') ?? '').trim().toLowerCase();
  return kind === 'blos' && (unit === 'kg' || unit === 'kgauss') ? 1 : 'auto';
}
