import { invalidOption } from './enhancer-errors.js';
import { tileLimits, type Tile, type TilePlan, type TilePlanOptions } from './tile-plan.js';

/**
 * What one more tile costs beyond its pixels (a session run, the copies in and out), counted as pixels:
 * it keeps a small image with a few NaN in one tile instead of hugging its NaN with many. A 64² patch.
 */
const TILE_OVERHEAD_PIXELS = 64 * 64;

/** Per image row, the half-open x-range [start, end) spanned by its finite pixels; start = end = 0 for none. */
export interface FiniteRows {
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/** The extent of the finite pixels of every row: O(width·height), once per image. */
export function finiteRows(data: ArrayLike<number>, width: number, height: number): FiniteRows {
  const start = new Int32Array(height);
  const end = new Int32Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      // NaN and ±Infinity fail this test: the enhancer treats both as missing.
      if (Math.abs(data[row + x]) < Number.POSITIVE_INFINITY) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first >= 0) {
      start[y] = first;
      end[y] = last + 1;
    }
  }
  return { start, end };
}

/**
 * Like planTiles, but the cores cover only what the output needs: in each band of rows, the x-range of
 * the band's finite pixels. A full-disk frame's off-disk third then costs nothing: its output is NaN
 * whatever the network says. Still exact: every core keeps `halo` real pixels (finite or the off-disk
 * fill, the same values the whole-image pass sees) on each side that is not the image border.
 *
 * Among the row counts the limits allow, the plan with the fewest processed pixels wins, each tile
 * counted TILE_OVERHEAD_PIXELS more (ties: fewer tiles).
 */
export function planMaskedTiles(width: number, height: number, rows: FiniteRows, options: TilePlanOptions): TilePlan {
  const { halo, maxSide, maxPixels, minimumSide } = tileLimits(options);

  let best: { tiles: Tile[]; work: number; cost: number } | undefined;
  for (let bandCount = 1; bandCount <= height; bandCount++) {
    const plan = bandPlan(width, height, rows, bandCount, halo, maxSide, maxPixels);
    if (!plan) continue;
    const candidate = { ...plan, cost: plan.work + TILE_OVERHEAD_PIXELS * plan.tiles.length };
    if (!best || candidate.cost < best.cost || (candidate.cost === best.cost && candidate.tiles.length < best.tiles.length))
      best = candidate;
    // Bands thinner than a few halos only add overhead.
    if (Math.ceil(height / bandCount) < 2 * halo + 1) break;
  }
  if (!best) throw invalidOption('maxTileSide', maxSide, `room for a tile of at least ${minimumSide}×${minimumSide} pixels`);
  return { tiles: best.tiles, processedPixels: best.work };
}

function bandPlan(
  width: number,
  height: number,
  rows: FiniteRows,
  bandCount: number,
  halo: number,
  maxSide: number,
  maxPixels: number,
): { tiles: Tile[]; work: number } | undefined {
  const tiles: Tile[] = [];
  let work = 0;
  for (let band = 0; band < bandCount; band++) {
    const coreY0 = Math.floor((band * height) / bandCount);
    const coreY1 = Math.floor(((band + 1) * height) / bandCount);
    const y0 = Math.max(0, coreY0 - halo);
    const y1 = Math.min(height, coreY1 + halo);
    const tileHeight = y1 - y0;
    if (tileHeight > maxSide || tileHeight > maxPixels) return undefined;
    let xStart = width;
    let xEnd = 0;
    for (let y = coreY0; y < coreY1; y++) {
      if (rows.end[y] === 0) continue;
      xStart = Math.min(xStart, rows.start[y]);
      xEnd = Math.max(xEnd, rows.end[y]);
    }
    if (xEnd <= xStart) continue; // the band's output is all NaN
    const tileWidthLimit = Math.min(maxSide, Math.floor(maxPixels / tileHeight));
    // The widest input window over the band's finite range, with its halos where they fit in the image.
    const span = Math.min(width, xEnd + halo) - Math.max(0, xStart - halo);
    let columns: number;
    if (span <= tileWidthLimit) columns = 1;
    else if (tileWidthLimit > 2 * halo) columns = Math.ceil((xEnd - xStart) / (tileWidthLimit - 2 * halo));
    else return undefined;
    for (let column = 0; column < columns; column++) {
      const coreX0 = xStart + Math.floor((column * (xEnd - xStart)) / columns);
      const coreX1 = xStart + Math.floor(((column + 1) * (xEnd - xStart)) / columns);
      const x0 = Math.max(0, coreX0 - halo);
      const x1 = Math.min(width, coreX1 + halo);
      if (x1 - x0 > tileWidthLimit) return undefined;
      tiles.push({ input: { x0, x1, y0, y1 }, core: { x0: coreX0, x1: coreX1, y0: coreY0, y1: coreY1 } });
      work += (x1 - x0) * tileHeight;
    }
  }
  return { tiles, work };
}
