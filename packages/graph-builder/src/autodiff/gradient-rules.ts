import type { GradientRule } from './gradient-context.js';
import { batchNormalizationGradient } from './batch-normalization-gradient.js';
import { convGradient } from './conv-gradient.js';
import {
  addGradient,
  divGradient,
  identityGradient,
  mulGradient,
  negGradient,
  reduceMeanGradient,
  reduceSumGradient,
  reluGradient,
  absGradient,
  reshapeGradient,
  subGradient,
  transposeGradient,
} from './elementwise-gradients.js';
import { concatGradient, depthToSpaceGradient, matMulGradient, sliceGradient, splitGradient } from './layout-gradients.js';
import { padGradient } from './pad-gradient.js';
import { resizeGradient } from './resize-gradient.js';
import { dequantizeLinearGradient, quantizeLinearGradient } from './quantize-gradient.js';

/** Gradient rules by ONNX op type (default domain). */
export const GRADIENT_RULES: Readonly<Record<string, GradientRule>> = Object.freeze({
  Add: addGradient,
  Sub: subGradient,
  Mul: mulGradient,
  Div: divGradient,
  Neg: negGradient,
  Identity: identityGradient,
  Relu: reluGradient,
  Abs: absGradient,
  Reshape: reshapeGradient,
  Transpose: transposeGradient,
  ReduceMean: reduceMeanGradient,
  ReduceSum: reduceSumGradient,
  Conv: convGradient,
  Pad: padGradient,
  Resize: resizeGradient,
  BatchNormalization: batchNormalizationGradient,
  QuantizeLinear: quantizeLinearGradient,
  DequantizeLinear: dequantizeLinearGradient,
  MatMul: matMulGradient,
  Concat: concatGradient,
  Split: splitGradient,
  Slice: sliceGradient,
  DepthToSpace: depthToSpaceGradient,
});

/** Ops whose outputs do not depend differentiably on their inputs (or are constants). */
export const NON_DIFFERENTIABLE_OPS: ReadonlySet<string> = new Set([
  'Constant',
  'Shape',
  'Greater',
  'Less',
  'Equal',
  'Cast',
  'ConstantOfShape',
  'Sign',
]);
