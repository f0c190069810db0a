import { AutodiffError } from './autodiff-error.js';
import type { GradientRule } from './gradient-context.js';
import { intAttribute, intsAttribute, staticShape, sumToShape } from './gradient-context.js';

export const addGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  for (const i of [0, 1]) {
    if (c.wantsGradient(i)) c.addInputGradient(i, sumToShape(c.builder, dy, staticShape(c.input(i)!, c.node), c.node));
  }
};

export const subGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  if (c.wantsGradient(0)) c.addInputGradient(0, sumToShape(c.builder, dy, staticShape(c.input(0)!, c.node), c.node));
  if (c.wantsGradient(1)) c.addInputGradient(1, c.builder.neg(sumToShape(c.builder, dy, staticShape(c.input(1)!, c.node), c.node)));
};

export const mulGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const [a, b] = [c.input(0)!, c.input(1)!];
  if (c.wantsGradient(0)) c.addInputGradient(0, sumToShape(c.builder, c.builder.mul(dy, b), staticShape(a, c.node), c.node));
  if (c.wantsGradient(1)) c.addInputGradient(1, sumToShape(c.builder, c.builder.mul(dy, a), staticShape(b, c.node), c.node));
};

/** y = a / b: da = dy / b, db = −dy·y / b. */
export const divGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const [a, b] = [c.input(0)!, c.input(1)!];
  const dyOverB = c.builder.div(dy, b);
  if (c.wantsGradient(0)) c.addInputGradient(0, sumToShape(c.builder, dyOverB, staticShape(a, c.node), c.node));
  if (c.wantsGradient(1)) {
    const db = c.builder.neg(c.builder.mul(dyOverB, c.output(0)));
    c.addInputGradient(1, sumToShape(c.builder, db, staticShape(b, c.node), c.node));
  }
};

export const negGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (dy && c.wantsGradient(0)) c.addInputGradient(0, c.builder.neg(dy));
};

export const identityGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (dy && c.wantsGradient(0)) c.addInputGradient(0, dy);
};

/** The mask uses the output: y > 0 exactly where x > 0. */
export const reluGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const y = c.output(0);
  const zero = c.builder.scalar(0, y.dataType);
  c.addInputGradient(0, c.builder.where(c.builder.greater(y, zero), dy, zero));
};

/** d|x|/dx = sign(x) (0 at 0, the subgradient ONNX's Sign gives). */
export const absGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  c.addInputGradient(0, c.builder.mul(dy, c.builder.sign(c.input(0)!)));
};

export const reshapeGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (dy && c.wantsGradient(0)) c.addInputGradient(0, c.builder.reshape(dy, staticShape(c.input(0)!, c.node)));
};

export const transposeGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const rank = c.input(0)!.shape.length;
  const perm = intsAttribute(c.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  c.addInputGradient(0, c.builder.transpose(dy, { perm: inverse }));
};

/** Broadcasts the reduced gradient back over the reduced axes; the mean also divides by their size. */
function reduceGradient(c: Parameters<GradientRule>[0], axes: readonly number[] | undefined, mean: boolean): void {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const x = c.input(0)!;
  const shape = staticShape(x, c.node);
  const reduced = (axes ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + shape.length : a));
  const keepShape = shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  let g = intAttribute(c.node, 'keepdims', 1) === 1 ? dy : c.builder.reshape(dy, keepShape);
  if (mean) {
    const count = reduced.reduce((n, a) => n * shape[a], 1);
    g = c.builder.mul(g, c.builder.scalar(1 / count, x.dataType));
  }
  c.addInputGradient(0, c.builder.expand(g, shape));
}

export const reduceMeanGradient: GradientRule = (c) => reduceGradient(c, intsAttribute(c.node, 'axes'), true);

/** ReduceSum takes its axes as an input (opset 13+); they must be known when the graph is built. */
export const reduceSumGradient: GradientRule = (c) => {
  const axesOperand = c.input(1);
  let axes: readonly number[] | undefined;
  if (axesOperand) {
    const known = c.builder.knownValue(axesOperand);
    if (!known || !known.every((a): a is number => typeof a === 'number')) {
      throw new AutodiffError({
        message: 'ReduceSum axes must be a constant known when the graph is built',
        code: 'AUTODIFF_UNSUPPORTED_ATTRIBUTE',
        node: c.node.name,
      });
    }
    axes = known;
  }
  if (axes && axes.length === 0 && intAttribute(c.node, 'noop_with_empty_axes', 0) === 1) {
    identityGradient(c);
    return;
  }
  reduceGradient(c, axes && axes.length > 0 ? axes : undefined, false);
};
