import type { Dim } from './operand.js';
import { sameDim } from './symbolic-dim.js';

/**
 * Multidirectional (numpy) broadcasting of shapes. Returns the output shape, or a description of the
 * first pair of dims that cannot broadcast. Two different symbols broadcast to a fresh symbol from
 * `freshDim`, since either could be 1 when the graph runs.
 */
export function broadcastShapes(
  shapes: readonly (readonly Dim[])[],
  freshDim: (axis: number) => string,
): { shape: Dim[] } | { error: string } {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const shape: Dim[] = [];
  for (let axis = 0; axis < rank; axis++) {
    let result: Dim = 1;
    for (const s of shapes) {
      const dim = s[axis - (rank - s.length)] ?? 1;
      if (axis - (rank - s.length) < 0) continue;
      if (sameDim(result, dim) || dim === 1) continue;
      if (result === 1) {
        result = dim;
      } else if (typeof result === 'number' && typeof dim === 'number') {
        return { error: `dims ${result} and ${dim} at output axis ${axis} do not broadcast` };
      } else if (typeof result === 'string' && typeof dim === 'string') {
        result = freshDim(axis);
      } else if (typeof dim === 'number') {
        // A symbol against a number other than 1 can only be that number when the graph runs.
        result = dim;
      }
    }
    shape.push(result);
  }
  return { shape };
}
