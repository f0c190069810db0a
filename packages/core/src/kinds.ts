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

/**
 * fp32: the trained network as exported. int8: the same network statically quantised (int8 weights,
 * uint8 activations; `npm run quantize` regenerates it from the fp32 file), about 2× faster on CPUs.
 */
export type ModelPrecision = 'fp32' | 'int8';
export const MODEL_PRECISIONS: readonly ModelPrecision[] = Object.freeze(['fp32', 'int8']);

/**
 * Metadata key of an int8 model: its relative RMS difference from the fp32 model on held-out training
 * patches, measured when it was quantised. The enhancer warns above INT8_RELATIVE_RMS_BOUND.
 */
export const INT8_HELD_OUT_RMS_KEY = 'int8_held_out_relative_rms';
/** What an int8 model may differ from its fp32 model by (relative RMS) and still count as the same network. */
export const INT8_RELATIVE_RMS_BOUND = 0.005;

/** The file name of the trained model for a kind, variant and precision, inside models/. */
export function modelFileName(kind: EnhanceKind, variant: ModelVariant = 'full', precision: ModelPrecision = 'fp32'): string {
  const base = variant === 'full' ? `enhance-${kind}` : `enhance-${kind}-lite`;
  return precision === 'fp32' ? `${base}.onnx` : `${base}-${precision}.onnx`;
}
