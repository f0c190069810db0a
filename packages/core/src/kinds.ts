/** The two Enhance networks: continuum intensity, and signed line-of-sight magnetogram. */
export type EnhanceKind = 'intensity' | 'blos';
export const ENHANCE_KINDS: readonly EnhanceKind[] = Object.freeze(['intensity', 'blos']);

/** full = 5 residual blocks × 64 filters (the paper's network); lite = 1 × 32 (paper §2.6). */
export type ModelVariant = 'full' | 'lite';
export const MODEL_VARIANTS: readonly ModelVariant[] = Object.freeze(['full', 'lite']);

export interface Architecture {
  /** Number of residual blocks N. */
  depth: number;
  /** Number of filters F. */
  filters: number;
}

export const ARCHITECTURES: Readonly<Record<ModelVariant, Readonly<Architecture>>> = Object.freeze({
  full: Object.freeze({ depth: 5, filters: 64 }),
  lite: Object.freeze({ depth: 1, filters: 32 }),
});

/** Super-resolution factor of every Enhance network. */
export const SCALE_FACTOR = 2;

/** The file name of the trained model for a kind and variant, inside models/. */
export function modelFileName(kind: EnhanceKind, variant: ModelVariant = 'full'): string {
  return variant === 'full' ? `enhance-${kind}.onnx` : `enhance-${kind}-lite.onnx`;
}
