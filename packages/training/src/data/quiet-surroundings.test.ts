import { describe, expect, test } from 'vitest';
import { createRandom } from '@enhance/graph-builder';
import { QUIET_SURROUNDINGS_RANGES, drawQuietSurroundings, quietSurroundingsMask, withQuietSurroundings } from './quiet-surroundings.js';

const scale = 0.1; // arcsec per pixel
const island = { x: 60, y: 50, radiusArcsec: 3, axisRatio: 1, angle: 0 };

describe('quiet surroundings', () => {
  test('the mask keeps the field inside an island, the quiet level far away, half-way at the radius', () => {
    const mask = quietSurroundingsMask(200, 150, scale, { islands: [island], quietLevel: 0.05 }, 0.2);
    const at = (x: number, y: number) => mask[y * 200 + x];
    expect(at(60, 50)).toBeCloseTo(1, 6);
    expect(at(190, 140)).toBeCloseTo(0.05, 6);
    expect(at(60 + 30, 50)).toBeCloseTo(0.05 + 0.95 / 2, 6);
    for (let x = 60; x < 120; x++) expect(at(x + 1, 50)).toBeLessThanOrEqual(at(x, 50) + 1e-12);
  });

  test('islands combine as a soft union: overlapping islands never exceed 1', () => {
    const twin = { ...island, x: 70 };
    const mask = quietSurroundingsMask(200, 150, scale, { islands: [island, twin], quietLevel: 0.02 }, 0.2);
    expect(Math.max(...mask)).toBeLessThanOrEqual(1);
    expect(mask[50 * 200 + 65]).toBeCloseTo(1, 6);
  });

  test('multiplies the map: signs kept, nothing added, the input untouched', () => {
    const map = { width: 200, height: 150, data: Float64Array.from({ length: 30000 }, (_, i) => (i % 3 === 0 ? -1.2 : 0.4)) };
    const out = withQuietSurroundings(map, scale, { islands: [island], quietLevel: 0.05 });
    // The default 1" edge (10 px) against a 30 px radius: the centre keeps 1/(1 + e^-3) of the island weight.
    expect(out.data[50 * 200 + 60]).toBeCloseTo(map.data[50 * 200 + 60] * (0.05 + 0.95 / (1 + Math.exp(-3))), 9);
    expect(out.data[140 * 200 + 190]).toBeCloseTo(0.05 * map.data[140 * 200 + 190], 4);
    for (let i = 0; i < out.data.length; i++) expect(Math.sign(out.data[i])).toBe(Math.sign(map.data[i]));
    expect(map.data[0]).toBe(-1.2);
  });

  test('draws islands and levels within the ranges', () => {
    const random = createRandom(5);
    for (let n = 0; n < 200; n++) {
      const q = drawQuietSurroundings(700, 700, random);
      const r = QUIET_SURROUNDINGS_RANGES;
      expect(q.islands.length).toBeGreaterThanOrEqual(r.count[0]);
      expect(q.islands.length).toBeLessThanOrEqual(r.count[1]);
      expect(q.quietLevel).toBeGreaterThanOrEqual(r.quietLevel[0]);
      expect(q.quietLevel).toBeLessThanOrEqual(r.quietLevel[1]);
      for (const i of q.islands) {
        expect(i.radiusArcsec).toBeGreaterThanOrEqual(r.radiusArcsec[0]);
        expect(i.radiusArcsec).toBeLessThanOrEqual(r.radiusArcsec[1]);
      }
    }
  });

  test('refuses a quiet level outside [0, 1]', () => {
    expect(() => quietSurroundingsMask(10, 10, scale, { islands: [], quietLevel: 1.5 })).toThrow(/quiet level/);
  });
});
