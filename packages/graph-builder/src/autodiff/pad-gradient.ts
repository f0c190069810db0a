import type { Operand } from '../builder/operand.js';
import type { GradientRule } from './gradient-context.js';
import { staticShape, stringAttribute, unsupportedAttribute } from './gradient-context.js';

/**
 * Pad: constant padding just crops the gradient. Reflect padding also scatter-adds each mirrored
 * border row back onto the interior row it was copied from (the edge row itself is not mirrored); edge
 * padding adds every copy onto the edge row. Axes are folded one at a time, which is exact because both
 * paddings are separable.
 */
export const padGradient: GradientRule = (c) => {
  const dy = c.outputGradient(0);
  if (!dy || !c.wantsGradient(0)) return;
  const b = c.builder;
  const node = c.node;
  const x = c.input(0)!;
  const shape = staticShape(x, node);
  const rank = shape.length;
  const mode = stringAttribute(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw unsupportedAttribute(node, 'mode', mode);
  const padsOperand = c.input(1)!;
  const pads = b.knownValue(padsOperand);
  if (!pads || !pads.every((p): p is number => typeof p === 'number')) throw unsupportedAttribute(node, 'pads', 'not a constant');
  if (pads.some((p) => p < 0)) throw unsupportedAttribute(node, 'pads', pads);
  if (c.input(3)) throw unsupportedAttribute(node, 'axes', 'given as an input');

  let g: Operand = dy;
  if (mode === 'constant') {
    const axes = shape.map((_, i) => i).filter((a) => pads[a] !== 0 || pads[a + rank] !== 0);
    if (axes.length > 0) {
      g = b.slice(g, { starts: axes.map((a) => pads[a]), ends: axes.map((a) => pads[a] + shape[a]), axes });
    }
  } else {
    for (let axis = 0; axis < rank; axis++) {
      if (pads[axis] !== 0 || pads[axis + rank] !== 0) g = foldCopies(b, g, axis, pads[axis], shape[axis], mode);
    }
  }
  c.addInputGradient(0, g);
};

function foldCopies(
  b: Parameters<GradientRule>[0]['builder'],
  g: Operand,
  axis: number,
  before: number,
  length: number,
  mode: 'reflect' | 'edge',
): Operand {
  const paddedLength = Number(g.shape[axis]);
  // Extra padded positions that each interior row received a copy of.
  const extras = new Map<number, number[]>();
  for (let t = 0; t < paddedLength; t++) {
    const u = t - before;
    if (u >= 0 && u < length) continue;
    const source = mode === 'edge' ? (u < 0 ? 0 : length - 1) : u < 0 ? -u : 2 * (length - 1) - u;
    extras.set(source, [...(extras.get(source) ?? []), t]);
  }
  const row = (t: number, count = 1) => b.slice(g, { starts: [t], ends: [t + count], axes: [axis] });
  const pieces: Operand[] = [];
  let runStart = 0;
  const flushRun = (end: number) => {
    if (end > runStart) pieces.push(row(runStart + before, end - runStart));
  };
  for (let r = 0; r < length; r++) {
    const copies = extras.get(r);
    if (!copies) continue;
    flushRun(r);
    let sum = row(r + before);
    for (const t of copies) sum = b.add(sum, row(t));
    pieces.push(sum);
    runStart = r + 1;
  }
  flushRun(length);
  return pieces.length === 1 ? pieces[0] : b.concat(pieces, axis);
}
