import type { Architecture } from '@enhance/core';

export type EnhanceParameterRole = 'conv-weight' | 'conv-bias' | 'bn-gamma' | 'bn-beta' | 'bn-mean' | 'bn-var';

export interface EnhanceParameterSpec {
  /** Stable name, also the ONNX initializer name: `blocks.0.conv1.weight`. */
  name: string;
  /** ONNX layout: conv weights (out, in, kh, kw); everything else (channels). */
  shape: readonly number[];
  role: EnhanceParameterRole;
  /** The layer the parameter belongs to: `conv_in`, `blocks.0.bn1`, ... */
  layer: string;
  /** in·kh·kw for conv weights (He initialisation), 0 otherwise. */
  fanIn: number;
}

/** Keras BatchNormalization epsilon of the original models (from the model JSON). */
export const ENHANCE_BATCH_NORM_EPSILON = 1e-3;

/**
 * The parameters of the "keepsize" Enhance network in graph order. Names:
 * - `conv_in.{weight,bias}`: 3×3, 1 → F
 * - `blocks.<i>.conv1`, `blocks.<i>.bn1`, `blocks.<i>.conv2`, `blocks.<i>.bn2` for i = 0…N−1
 *   (convs 3×3 F → F; batch norms `{gamma,beta,mean,var}`)
 * - `conv_mid` (3×3 F → F) and `bn_mid`: after the blocks, before the long skip
 * - `conv_up`: 3×3 F → F after the nearest ×2 upsampling
 * - `conv_out`: 1×1 F → 1, linear
 * With `foldedBatchNorm` the batch norms are left out: their effect lives in the preceding conv.
 */
export function enhanceParameterSpecs({ depth, filters }: Architecture, { foldedBatchNorm = false } = {}): EnhanceParameterSpec[] {
  const specs: EnhanceParameterSpec[] = [];
  const conv = (layer: string, outChannels: number, inChannels: number, kernel: number) => {
    const fanIn = inChannels * kernel * kernel;
    specs.push({ name: `${layer}.weight`, shape: [outChannels, inChannels, kernel, kernel], role: 'conv-weight', layer, fanIn });
    specs.push({ name: `${layer}.bias`, shape: [outChannels], role: 'conv-bias', layer, fanIn: 0 });
  };
  const batchNorm = (layer: string) => {
    if (foldedBatchNorm) return;
    for (const [suffix, role] of [
      ['gamma', 'bn-gamma'],
      ['beta', 'bn-beta'],
      ['mean', 'bn-mean'],
      ['var', 'bn-var'],
    ] as const) {
      specs.push({ name: `${layer}.${suffix}`, shape: [filters], role, layer, fanIn: 0 });
    }
  };
  conv('conv_in', filters, 1, 3);
  for (let i = 0; i < depth; i++) {
    conv(`blocks.${i}.conv1`, filters, filters, 3);
    batchNorm(`blocks.${i}.bn1`);
    conv(`blocks.${i}.conv2`, filters, filters, 3);
    batchNorm(`blocks.${i}.bn2`);
  }
  conv('conv_mid', filters, filters, 3);
  batchNorm('bn_mid');
  conv('conv_up', filters, filters, 3);
  conv('conv_out', 1, filters, 1);
  return specs;
}

/** The conv each batch norm follows, by batch-norm layer name (what folding merges). */
export function enhanceBatchNormPairs({ depth }: Architecture): { batchNorm: string; conv: string }[] {
  const pairs: { batchNorm: string; conv: string }[] = [];
  for (let i = 0; i < depth; i++) {
    pairs.push({ batchNorm: `blocks.${i}.bn1`, conv: `blocks.${i}.conv1` });
    pairs.push({ batchNorm: `blocks.${i}.bn2`, conv: `blocks.${i}.conv2` });
  }
  pairs.push({ batchNorm: 'bn_mid', conv: 'conv_mid' });
  return pairs;
}
