import { describe, expect, it } from 'vitest';
import { runAugmented, transformPlane, ttaTransforms, untransformPlane } from './test-time-augmentation.js';
import type { Plane } from './test-time-augmentation.js';

const plane = (width: number, height: number): Plane => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => i + 1),
});

describe('dihedral transforms', () => {
  it('match the written-out flips and quarter turns of a 3×2 plane', () => {
    // 1 2 3
    // 4 5 6
    const p = plane(3, 2);
    const seen = (t: number) => {
      const out = transformPlane(p, t);
      return { size: [out.width, out.height], data: Array.from(out.data) };
    };
    expect(seen(0)).toEqual({ size: [3, 2], data: [1, 2, 3, 4, 5, 6] });
    expect(seen(1)).toEqual({ size: [3, 2], data: [3, 2, 1, 6, 5, 4] });
    expect(seen(2)).toEqual({ size: [3, 2], data: [4, 5, 6, 1, 2, 3] });
    expect(seen(3)).toEqual({ size: [3, 2], data: [6, 5, 4, 3, 2, 1] });
    expect(seen(4)).toEqual({ size: [2, 3], data: [1, 4, 2, 5, 3, 6] });
    expect(seen(5)).toEqual({ size: [2, 3], data: [3, 6, 2, 5, 1, 4] });
    expect(seen(6)).toEqual({ size: [2, 3], data: [4, 1, 5, 2, 6, 3] });
    expect(seen(7)).toEqual({ size: [2, 3], data: [6, 3, 5, 2, 4, 1] });
  });

  it('are undone by untransformPlane, on non-square planes', () => {
    const p = plane(5, 3);
    for (const t of ttaTransforms(8)) expect(Array.from(untransformPlane(transformPlane(p, t), t).data)).toEqual(Array.from(p.data));
  });

  it('4 are the flips (shape kept), 8 the whole group; anything else is refused', () => {
    expect(ttaTransforms(1)).toEqual([0]);
    expect(ttaTransforms(4)).toEqual([0, 1, 2, 3]);
    expect(ttaTransforms(8)).toHaveLength(8);
    expect(() => ttaTransforms(2)).toThrow('option tta = 2 is invalid: expected 1 | 4 | 8');
  });
});

describe('runAugmented', () => {
  /**
   * A network that is not equivariant: nearest ×2 upsampling plus 0.1 × the output column index, in
   * the frame it is run in. The column a pixel lands on under each transform is written out here
   * independently: flip x maps column X of 2W to 2W − 1 − X; a transpose puts row Y (or 2H − 1 − Y
   * after flip y) there.
   */
  const network = async (input: Plane) => {
    const w = 2 * input.width;
    const out = new Float32Array(w * 2 * input.height);
    for (let y = 0; y < 2 * input.height; y++)
      for (let x = 0; x < w; x++) out[y * w + x] = input.data[(y >> 1) * input.width + (x >> 1)] + 0.1 * x;
    return out;
  };
  const columnUnder = (t: number, X: number, Y: number, W: number, H: number) => {
    if (t & 4) return t & 2 ? H - 1 - Y : Y;
    return t & 1 ? W - 1 - X : X;
  };

  for (const tta of [4, 8] as const) {
    it(`averages ${tta} transforms and gives their standard deviation`, async () => {
      const tile = plane(4, 3);
      const { mean, spread } = await runAugmented(tile, ttaTransforms(tta), 2, network);
      const W = 8;
      const H = 6;
      for (let Y = 0; Y < H; Y++) {
        for (let X = 0; X < W; X++) {
          const columns = ttaTransforms(tta).map((t) => 0.1 * columnUnder(t, X, Y, W, H));
          const m = columns.reduce((a, b) => a + b, 0) / columns.length;
          const sd = Math.sqrt(columns.reduce((a, b) => a + (b - m) ** 2, 0) / columns.length);
          const base = tile.data[(Y >> 1) * 4 + (X >> 1)];
          expect(mean[Y * W + X]).toBeCloseTo(base + m, 5);
          expect(spread![Y * W + X]).toBeCloseTo(sd, 5);
        }
      }
    });
  }

  it('runs once and gives no spread for tta 1', async () => {
    let calls = 0;
    const result = await runAugmented(plane(2, 2), ttaTransforms(1), 2, async (input) => {
      calls++;
      return network(input);
    });
    expect(calls).toBe(1);
    expect(result.spread).toBeUndefined();
  });
});
