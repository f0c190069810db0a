import type { EnhanceKind, FitsHeader, ScaleOption } from '@enhance/core';

/**
 * The scale 'auto' stands for, given the header: a magnetogram already in kilogauss needs no division
 * (the network works in kG); everything else is left to the enhancer's estimate.
 */
export function defaultScaleForHeader(header: FitsHeader, kind: EnhanceKind): ScaleOption {
  const unit = (header.getString('BUNIT') ?? '').trim().toLowerCase();
  return kind === 'blos' && (unit === 'kg' || unit === 'kgauss') ? 1 : 'auto';
}
