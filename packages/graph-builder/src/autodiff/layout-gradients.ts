import type { Operand } from '../builder/operand.js';
import type { GradientContext, GradientRule } from './gradient-context.js';
import { intAttribute, staticShape, stringAttribute, unsupportedAttribute } from './gradient-context.js';

/** Zeros shaped like `like` (static shape), for an input whose output part got no gradient. */
function zerosLike(c: GradientContext, like: Operand): Operand {
  const shape = staticShape(like, c.node);
  return c.builder.constant({ dataType: like.dataType, shape }, new Array<number>(shape.reduce((p, d) => p * d, 1)).fill(0));
}

/** MatMul of two matrices: dA = dY · Bᵀ, dB = Aᵀ · dY. */
export const matMulGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const b = c.builder;
  const [left, right] = [c.input(0)!, c.input(1)!];
  if (left.shape.length !== 2 || right.shape.length !== 2)
    throw unsupportedAttribute(c.node, 'rank', `${left.shape.length} × ${right.shape.length} (2 × 2 only)`);
  if (c.wantsGradient(0)) c.addInputGradient(0, b.matMul(dy, b.transpose(right, { perm: [1, 0] })));
  if (c.wantsGradient(1)) c.addInputGradient(1, b.matMul(b.transpose(left, { perm: [1, 0] }), dy));
};

/** Concat: each input's gradient is its own stretch of the output gradient. */
export const concatGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy) return;
  const rank = c.output(0).shape.length;
  const axis = (intAttribute(c.node, 'axis', 0) + rank) % rank;
  let start = 0;
  c.node.inputs.forEach((_, index) => {
    const size = staticShape(c.input(index)!, c.node)[axis];
    if (c.wantsGradient(index)) c.addInputGradient(index, c.builder.slice(dy, { starts: [start], ends: [start + size], axes: [axis] }));
    start += size;
  });
};

/** Split: the input's gradient is the outputs' gradients side by side (zeros where one got none). */
export const splitGradient: GradientRule = (c) => {
  if (!c.wantsGradient(0)) return;
  const rank = c.input(0)!.shape.length;
  const axis = (intAttribute(c.node, 'axis', 0) + rank) % rank;
  const parts = c.node.outputs.map((_, index) => c.outputGradient(index) ?? zerosLike(c, c.output(index)));
  c.addInputGradient(0, parts.length === 1 ? parts[0] : c.builder.concat(parts, axis));
};

/** Slice with unit steps: the gradient is put back where the slice came from, zeros around it. */
export const sliceGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const b = c.builder;
  const shape = staticShape(c.input(0)!, c.node);
  const rank = shape.length;
  const known = (index: number) => {
    const operand = c.input(index);
    if (!operand) return undefined;
    const values = b.knownValue(operand);
    if (!values || !values.every((v): v is number => typeof v === 'number'))
      throw unsupportedAttribute(c.node, `input ${index}`, 'not a constant');
    return values;
  };
  const starts = known(1)!;
  const ends = known(2)!;
  const axes = (known(3) ?? starts.map((_, i) => i)).map((a) => (a + rank) % rank);
  const steps = known(4);
  if (steps && steps.some((s) => s !== 1)) throw unsupportedAttribute(c.node, 'steps', steps);
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((axis, i) => {
    const clamp = (v: number) => Math.min(shape[axis], Math.max(0, v < 0 ? v + shape[axis] : v));
    const [begin, end] = [clamp(starts[i]), clamp(ends[i])];
    pads[axis] = begin;
    pads[axis + rank] = shape[axis] - end;
  });
  c.addInputGradient(0, pads.every((p) => p === 0) ? dy : b.pad(dy, { pads, mode: 'constant' }));
};

/**
 * DepthToSpace is a reshape, a transpose and a reshape; its gradient runs them backwards (SpaceToDepth):
 * [N, C, H·s, W·s] → [N, C, H, s, W, s] → the block axes back in front of (DCR) or after (CRD) C.
 */
export const depthToSpaceGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const b = c.builder;
  const [n, channels, height, width] = staticShape(c.input(0)!, c.node);
  const s = intAttribute(c.node, 'blocksize', 0);
  const mode = stringAttribute(c.node, 'mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') throw unsupportedAttribute(c.node, 'mode', mode);
  const c1 = channels / (s * s);
  // (n, c, h, i, w, j) → DCR (n, i, j, c, h, w) or CRD (n, c, i, j, h, w)
  const perm = mode === 'DCR' ? [0, 3, 5, 1, 2, 4] : [0, 1, 3, 5, 2, 4];
  const blocks = b.transpose(b.reshape(dy, [n, c1, height, s, width, s]), { perm });
  c.addInputGradient(0, b.reshape(blocks, [n, channels, height, width]));
};
