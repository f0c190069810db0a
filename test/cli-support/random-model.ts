import type { EnhanceKind } from '@enhance/core';
import { createEnhanceModel } from '@enhance/graph-builder';

/** A random-weight lite model (1 block × 8 filters: fast); its metadata marks it untrained. */
export function randomLiteModel(kind: EnhanceKind, seed = 1): Uint8Array {
  return createEnhanceModel({ kind, architecture: { depth: 1, filters: 8 }, seed });
}
