import type { Operand } from '../builder/operand.js';
import { AutodiffError } from './autodiff-error.js';
import { intAttribute, type GradientRule } from './gradient-context.js';

/**
 * Fake quantisation y = DequantizeLinear(QuantizeLinear(x)) differentiated with the straight-through
 * estimator of quantisation-aware training: the rounding's derivative (zero almost everywhere) is taken
 * as 1 inside the grid's range and 0 where QuantizeLinear saturates. DequantizeLinear hands its output
 * gradient to its integer input unchanged (there it stands for the gradient with respect to the
 * dequantised value), and QuantizeLinear passes it on to x where x lies on the grid's range. Scale and
 * zero point get none: they are the grid's constants, or computed from the weights and held fixed.
 */
export const dequantizeLinearGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const q = c.input(0)!;
  if (c.builder.producer(q)?.opType !== 'QuantizeLinear') {
    throw new AutodiffError({
      message: `DequantizeLinear is differentiable only as the second half of a fake quantisation (its input '${q.name}' must come from a QuantizeLinear)`,
      code: 'AUTODIFF_UNSUPPORTED_OP',
      node: c.node.name,
    });
  }
  c.addInputGradient(0, dy);
};

export const quantizeLinearGradient: GradientRule = (c) => {
  const dq = c.outputGradient(0);
  if (!dq || !c.wantsGradient(0)) return;
  const b = c.builder;
  const x = c.input(0)!;
  const scale = c.input(1)!;
  const zeroPoint = c.input(2)!;
  const [lowest, highest] = zeroPoint.dataType === 'uint8' ? [0, 255] : [-128, 127];
  const z = b.cast(zeroPoint, scale.dataType);
  const bound = (level: number): Operand => {
    const value = b.mul(b.sub(b.scalar(level, scale.dataType), z), scale);
    if (scale.shape.length === 0) return value;
    // A per-axis grid: the bounds broadcast along the quantised axis.
    const rank = x.shape.length;
    const axis = intAttribute(c.node, 'axis', 1);
    const resolved = axis < 0 ? axis + rank : axis;
    return b.reshape(
      value,
      x.shape.map((_, i) => (i === resolved ? -1 : 1)),
    );
  };
  const zero = b.scalar(0, dq.dataType);
  const inside = b.where(b.less(x, bound(lowest)), zero, b.where(b.greater(x, bound(highest)), zero, dq));
  c.addInputGradient(0, inside);
};
