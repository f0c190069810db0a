import { describe, expect, it } from 'vitest';
import { fitLimbCircle } from './fit-limb-circle.js';

/** An arc of HMI's limb (radius 1914 px) across a 500×400 cut-out: sky (1%) with NaN beyond, limb-darkened disk, and a dark spot near the threshold. */
function nearLimbCut(cx: number, cy: number, radius: number): Float32Array {
  const width = 500;
  const data = new Float32Array(width * 400);
  for (let y = 0; y < 400; y++) {
    for (let x = 0; x < width; x++) {
      // Each pixel averages 4×4 sub-pixels, as a detector does: the edge falls inside one pixel.
      let sum = 0;
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 4; i++) {
          const r = Math.hypot(x - 0.375 + i / 4 - cx, y - 0.375 + j / 4 - cy);
          const mu = r < radius ? Math.sqrt(1 - (r / radius) ** 2) : 0;
          sum += r < radius ? 1 - 0.6 * (1 - mu) : 0.01;
        }
      }
      const r = Math.hypot(x - cx, y - cy);
      data[y * width + x] = r > radius + 60 ? Number.NaN : Math.hypot(x - 300, y - 200) < 8 ? 0.2 : sum / 16;
    }
  }
  return data;
}

describe('fitLimbCircle', () => {
  it("finds an HMI-sized limb from a short arc to a fraction of a pixel, a spot's edge left out", () => {
    const circle = fitLimbCircle(nearLimbCut(2040, 343, 1914), 500, 400)!;
    expect(circle.points).toBeGreaterThan(250);
    expect(Math.abs(circle.radius - 1914)).toBeLessThan(0.01 * 1914);
    // What matters for μ: the distance from the limb across the cut-out.
    for (const [x, y] of [
      [140, 0],
      [126, 343],
      [400, 200],
    ]) {
      const distance = (cx: number, cy: number, r: number) => r - Math.hypot(x - cx, y - cy);
      expect(Math.abs(distance(circle.centreX, circle.centreY, circle.radius) - distance(2040, 343, 1914))).toBeLessThan(0.5);
    }
  });

  it('is undefined without a limb', () => {
    expect(fitLimbCircle(new Float32Array(100 * 100).fill(1), 100, 100)).toBeUndefined();
  });
});
