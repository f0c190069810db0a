/** An axis-aligned pixel rectangle: columns [x, x+width), rows [y, y+height). */
export interface PixelRectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The largest-area axis-aligned rectangle of valid pixels (row-major mask, non-zero = valid): for each
 * row, the column heights of valid runs ending there form a histogram whose largest rectangle is found
 * with a stack, O(width·height). Ties keep the first found (topmost, then leftmost).
 */
export function largestValidRectangle(valid: Uint8Array, width: number, height: number): PixelRectangle {
  const heights = new Int32Array(width + 1);
  let best: PixelRectangle = { x: 0, y: 0, width: 0, height: 0 };
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) heights[x] = valid[y * width + x] ? heights[x] + 1 : 0;
    stack.length = 0;
    for (let x = 0; x <= width; x++) {
      // heights[width] stays 0: a sentinel that empties the stack at the row's end.
      while (stack.length > 0 && heights[stack[stack.length - 1]] >= heights[x]) {
        const h = heights[stack.pop() as number];
        const left = stack.length > 0 ? stack[stack.length - 1] + 1 : 0;
        const w = x - left;
        if (h * w > best.width * best.height) best = { x: left, y: y - h + 1, width: w, height: h };
      }
      stack.push(x);
    }
  }
  return best;
}
