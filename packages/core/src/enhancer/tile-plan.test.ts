import { describe, expect, it } from 'vitest';
import { planTiles } from './tile-plan.js';
import type { TilePlan } from './tile-plan.js';

/** Checks the properties the exactness argument needs, independently of how the plan was made. */
function checkPlan(plan: TilePlan, width: number, height: number, halo: number, limits: { side?: number; pixels?: number }) {
  const covered = new Uint8Array(width * height);
  let processed = 0;
  for (const { input, core } of plan.tiles) {
    expect(input.x0).toBeGreaterThanOrEqual(0);
    expect(input.y0).toBeGreaterThanOrEqual(0);
    expect(input.x1).toBeLessThanOrEqual(width);
    expect(input.y1).toBeLessThanOrEqual(height);
    // Each side is either the image border or at least `halo` real pixels away from the core.
    expect(input.x0 === 0 || core.x0 - input.x0 >= halo).toBe(true);
    expect(input.y0 === 0 || core.y0 - input.y0 >= halo).toBe(true);
    expect(input.x1 === width || input.x1 - core.x1 >= halo).toBe(true);
    expect(input.y1 === height || input.y1 - core.y1 >= halo).toBe(true);
    const tileWidth = input.x1 - input.x0;
    const tileHeight = input.y1 - input.y0;
    if (limits.side !== undefined) expect(Math.max(tileWidth, tileHeight)).toBeLessThanOrEqual(limits.side);
    if (limits.pixels !== undefined) expect(tileWidth * tileHeight).toBeLessThanOrEqual(limits.pixels);
    processed += tileWidth * tileHeight;
    for (let y = core.y0; y < core.y1; y++) for (let x = core.x0; x < core.x1; x++) covered[y * width + x] += 1;
  }
  expect(covered.every((count) => count === 1)).toBe(true);
  expect(plan.processedPixels).toBeGreaterThanOrEqual(processed);
}

describe('planTiles', () => {
  it('uses one tile when the image fits', () => {
    const plan = planTiles(100, 80, { halo: 13, maxTileSide: 100 });
    expect(plan.tiles).toEqual([{ input: { x0: 0, y0: 0, x1: 100, y1: 80 }, core: { x0: 0, y0: 0, x1: 100, y1: 80 } }]);
  });

  it.each([
    [101, 77, 13, { side: 40 }],
    [400, 400, 13, { side: 381 }],
    [37, 29, 5, { side: 11 }],
    [1000, 9, 13, { pixels: 40 * 40 }],
    [4096, 4096, 13, { pixels: 145_000 }],
    [2, 2, 13, { side: 27 }],
    [300, 2, 13, { side: 27 }],
  ])('partitions %i×%i with halo %i under %o', (width, height, halo, limits) => {
    const plan = planTiles(width, height, { halo, maxTileSide: limits.side, maxTilePixels: limits.pixels });
    checkPlan(plan, width, height, halo, limits);
  });

  it('keeps the halo overhead small for an image just over the limit', () => {
    // 400² with tiles of at most 381: two tiles per axis, each only as large as its core plus halos.
    const plan = planTiles(400, 400, { halo: 13, maxTileSide: 381 });
    expect(plan.tiles).toHaveLength(4);
    expect(plan.processedPixels).toBe(426 * 426);
  });

  it('gives a strip image full-height tiles', () => {
    const plan = planTiles(2000, 50, { halo: 13, maxTilePixels: 50 * 500 });
    expect(plan.tiles.every((tile) => tile.input.y0 === 0 && tile.input.y1 === 50)).toBe(true);
    expect(plan.tiles).toHaveLength(Math.ceil(2000 / (500 - 26)));
  });

  it('refuses limits that leave no room for a core', () => {
    expect(() => planTiles(100, 100, { halo: 13, maxTileSide: 26 })).toThrow(
      "option maxTileSide = 26 is invalid: expected an integer ≥ 27 (twice the network's context radius 13, plus one)",
    );
    expect(() => planTiles(100, 100, { halo: 13, maxTilePixels: 700 })).toThrow(
      'option maxTilePixels = 700 is invalid: expected at least 729 for a context radius of 13',
    );
  });
});
