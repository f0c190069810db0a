import { describe, expect, it } from 'vitest';
import { largestValidRectangle } from './largest-valid-rectangle.js';
import { createRandom } from '@enhance/graph-builder';

// Brute force over every rectangle, checking each for validity.
function bruteForce(valid: Uint8Array, width: number, height: number): number {
  let best = 0;
  for (let y0 = 0; y0 < height; y0++)
    for (let x0 = 0; x0 < width; x0++) {
      for (let y1 = y0; y1 < height; y1++)
        for (let x1 = x0; x1 < width; x1++) {
          let ok = true;
          for (let y = y0; y <= y1 && ok; y++) for (let x = x0; x <= x1 && ok; x++) ok = valid[y * width + x] === 1;
          if (ok) best = Math.max(best, (x1 - x0 + 1) * (y1 - y0 + 1));
        }
    }
  return best;
}

describe('largestValidRectangle', () => {
  it('finds the inscribed rectangle of a rotated square frame', () => {
    const n = 41;
    const valid = new Uint8Array(n * n);
    const c = (n - 1) / 2;
    const angle = (20 * Math.PI) / 180;
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const u = Math.cos(angle) * (x - c) + Math.sin(angle) * (y - c);
        const v = -Math.sin(angle) * (x - c) + Math.cos(angle) * (y - c);
        valid[y * n + x] = Math.abs(u) <= 15 && Math.abs(v) <= 15 ? 1 : 0;
      }
    const rect = largestValidRectangle(valid, n, n);
    expect(rect.width * rect.height).toBe(bruteForce(valid, n, n));
    for (let y = rect.y; y < rect.y + rect.height; y++) for (let x = rect.x; x < rect.x + rect.width; x++) expect(valid[y * n + x]).toBe(1);
  });

  it.each([1, 2, 3, 4, 5])('matches brute force on random masks (seed %i)', (seed) => {
    const random = createRandom(seed);
    const width = 9;
    const height = 7;
    const valid = Uint8Array.from({ length: width * height }, () => (random() < 0.75 ? 1 : 0));
    const rect = largestValidRectangle(valid, width, height);
    expect(rect.width * rect.height).toBe(bruteForce(valid, width, height));
  });
});
