import { invalidOption } from './enhancer-errors.js';

/** Half-open pixel rectangle [x0, x1) × [y0, y1) in input (low-resolution) pixels. */
export interface PixelRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface Tile {
  /** What the network sees: the core plus at least `halo` real pixels on every side not at the image edge. */
  readonly input: PixelRect;
  /** The pixels whose output this tile contributes; the cores partition the image. */
  readonly core: PixelRect;
}

export interface TilePlanOptions {
  /** Context radius of the network in input pixels: output at a pixel depends on inputs within ±halo. */
  halo: number;
  /** Largest tile side (network input, halos included). */
  maxTileSide?: number;
  /** Largest tile area in pixels (network input, halos included): what bounds the session's memory. */
  maxTilePixels?: number;
}

export interface TilePlan {
  tiles: Tile[];
  /** Pixels pushed through the network over all tiles: ≥ width·height, the excess is halo overhead. */
  processedPixels: number;
}

interface AxisSegment {
  start: number;
  end: number;
  coreStart: number;
  coreEnd: number;
}

/**
 * Splits an image into tiles whose outputs, pasted together, equal the whole-image output.
 *
 * Why this is exact: a network of reflect-padded 3×3 convolutions only lets a wrong value at a tile's
 * cut edge travel one pixel per layer, so pixels at least `halo` inside a cut edge see exactly what they
 * would see in the whole image. A tile side that lies on the image border is not a cut at all: the
 * network's own reflect padding happens there, as in the whole-image pass. Tiles are therefore never
 * padded by us; their input rectangle is clamped to the image and the border behaviour comes for free.
 *
 * Among all grids that respect the limits, the plan with the fewest processed pixels wins (ties: fewer
 * tiles): a strip image gets full-height tiles instead of squares.
 */
export function planTiles(width: number, height: number, options: TilePlanOptions): TilePlan {
  const { halo, maxSide, maxPixels, minimumSide } = tileLimits(options);

  let best: { rows: number; columns: number; work: number } | undefined;
  for (let rows = 1; rows <= height; rows++) {
    const tileHeight = rows === 1 ? height : Math.ceil(height / rows) + 2 * halo;
    if (tileHeight > maxSide || tileHeight > maxPixels) continue;
    const tileWidthLimit = Math.min(maxSide, Math.floor(maxPixels / tileHeight));
    let columns: number;
    if (width <= tileWidthLimit) columns = 1;
    else if (tileWidthLimit > 2 * halo) columns = Math.ceil(width / (tileWidthLimit - 2 * halo));
    else continue;
    const work = (height + 2 * halo * (rows - 1)) * (width + 2 * halo * (columns - 1));
    if (!best || work < best.work || (work === best.work && rows * columns < best.rows * best.columns)) {
      best = { rows, columns, work };
    }
    if (columns === 1) break; // more rows only add overhead once a row fits in one tile
  }
  if (!best) {
    throw invalidOption('maxTileSide', maxSide, `room for a tile of at least ${minimumSide}×${minimumSide} pixels`);
  }

  const tiles: Tile[] = [];
  for (const rowSegment of splitAxis(height, best.rows, halo)) {
    for (const columnSegment of splitAxis(width, best.columns, halo)) {
      tiles.push({
        input: { x0: columnSegment.start, x1: columnSegment.end, y0: rowSegment.start, y1: rowSegment.end },
        core: { x0: columnSegment.coreStart, x1: columnSegment.coreEnd, y0: rowSegment.coreStart, y1: rowSegment.coreEnd },
      });
    }
  }
  return { tiles, processedPixels: best.work };
}

function splitAxis(length: number, pieces: number, halo: number): AxisSegment[] {
  const segments: AxisSegment[] = [];
  for (let i = 0; i < pieces; i++) {
    const coreStart = Math.floor((i * length) / pieces);
    const coreEnd = Math.floor(((i + 1) * length) / pieces);
    segments.push({ coreStart, coreEnd, start: Math.max(0, coreStart - halo), end: Math.min(length, coreEnd + halo) });
  }
  return segments;
}

/** The options' limits with their defaults, refused when no tile of the network's context fits them. */
export function tileLimits(options: TilePlanOptions): { halo: number; maxSide: number; maxPixels: number; minimumSide: number } {
  const { halo } = options;
  const maxSide = options.maxTileSide ?? Number.POSITIVE_INFINITY;
  const maxPixels = options.maxTilePixels ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(halo) || halo < 0) throw invalidOption('halo', halo, 'an integer ≥ 0');
  const minimumSide = 2 * halo + 1;
  if (maxSide < minimumSide) {
    throw invalidOption('maxTileSide', maxSide, `an integer ≥ ${minimumSide} (twice the network's context radius ${halo}, plus one)`);
  }
  if (maxPixels < minimumSide * minimumSide) {
    throw invalidOption('maxTilePixels', maxPixels, `at least ${minimumSide * minimumSide} for a context radius of ${halo}`);
  }
  return { halo, maxSide, maxPixels, minimumSide };
}
