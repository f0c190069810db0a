import type { GradientRule } from './gradient-context.js';
import { staticShape, stringAttribute, unsupportedAttribute } from './gradient-context.js';
import { AutodiffError } from './autodiff-error.js';

/**
 * Nearest-neighbour Resize by an integer factor s on the last two axes. When every output pixel copies
 * the input pixel floor(i / s) (checked against the ONNX coordinate formulas for the node's
 * attributes), the gradient is the sum over each s×s block: an s×s average pool times s².
 */
export const resizeGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const node = c.node;
  const b = c.builder;
  const mode = stringAttribute(node, 'mode', 'nearest');
  if (mode !== 'nearest') throw unsupportedAttribute(node, 'mode', mode);
  const transform = stringAttribute(node, 'coordinate_transformation_mode', 'half_pixel');
  const nearestMode = stringAttribute(node, 'nearest_mode', 'round_prefer_floor');
  const inShape = staticShape(c.input(0)!, node);
  const outShape = staticShape(c.output(0), node);
  const rank = inShape.length;
  const factors = outShape.map((d, i) => d / inShape[i]);
  const scaled = factors.map((f, i) => (f === 1 ? -1 : i)).filter((i) => i >= 0);
  const s = factors[rank - 1];
  const supported =
    rank === 4 && factors[0] === 1 && factors[1] === 1 && Number.isInteger(s) && factors[2] === s && scaled.every((i) => i >= 2);
  if (!supported) {
    throw new AutodiffError({
      message: `Resize gradient supports an integer ×s on the last two axes of a 4-D tensor; got [${inShape.join(',')}] → [${outShape.join(',')}]`,
      code: 'AUTODIFF_UNSUPPORTED_OP',
      node: node.name,
    });
  }
  for (const axis of [2, 3]) {
    for (let i = 0; i < outShape[axis]; i++) {
      if (nearestSource(i, s, inShape[axis], transform, nearestMode) !== Math.floor(i / s)) {
        throw unsupportedAttribute(
          node,
          'coordinate_transformation_mode/nearest_mode',
          `${transform}/${nearestMode} is not a block copy at ×${s}`,
        );
      }
    }
  }
  const pooled = b.averagePool(dy, { kernelShape: [s, s], strides: [s, s] });
  c.addInputGradient(0, s === 1 ? pooled : b.mul(pooled, b.scalar(s * s, dy.dataType)));
};

/** The input index ONNX Resize (nearest) reads for output index i (opset 13+ formulas). */
function nearestSource(i: number, scale: number, inLength: number, transform: string, nearestMode: string): number {
  const outLength = inLength * scale;
  let x: number;
  switch (transform) {
    case 'asymmetric':
      x = i / scale;
      break;
    case 'half_pixel':
      x = (i + 0.5) / scale - 0.5;
      break;
    case 'pytorch_half_pixel':
      x = outLength > 1 ? (i + 0.5) / scale - 0.5 : 0;
      break;
    case 'align_corners':
      x = outLength === 1 ? 0 : (i * (inLength - 1)) / (outLength - 1);
      break;
    default:
      return Number.NaN;
  }
  let r: number;
  switch (nearestMode) {
    case 'floor':
      r = Math.floor(x);
      break;
    case 'ceil':
      r = Math.ceil(x);
      break;
    case 'round_prefer_ceil':
      r = Math.round(x);
      break;
    default:
      r = Number.isInteger(x - 0.5) ? Math.floor(x) : Math.round(x);
      break;
  }
  return Math.min(Math.max(r, 0), inLength - 1);
}
