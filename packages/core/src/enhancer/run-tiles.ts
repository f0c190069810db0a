import { SCALE_FACTOR } from '../kinds.js';
import { finiteRows, planMaskedTiles } from './masked-tile-plan.js';
import { windowHasFinitePixel } from './off-disk-tiles.js';
import type { NetworkInput } from './prepare-network-input.js';
import type { EnhanceProgressCallback } from './progress.js';
import { runAugmented } from './test-time-augmentation.js';
import type { Plane } from './test-time-augmentation.js';
import { throwIfAborted } from './throw-if-aborted.js';
import { planTiles } from './tile-plan.js';
import type { PixelRect, Tile, TilePlanOptions } from './tile-plan.js';

/** The network on one plane: w×h in the network's units to 2w×2h. */
export type NetworkRun = (input: Plane) => Promise<Float32Array>;

/** The tiles' outputs pasted onto the output grid (2W×2H), multiplied by the input's back-scale. */
export interface TiledOutput {
  readonly output: Float32Array;
  /** With test-time augmentation: the spread over the transforms, on the same grid. */
  readonly spread: Float32Array | undefined;
  readonly tiles: number;
  /** Tiles not run because their whole input window, halo included, is NaN (off the disk). */
  readonly tilesSkipped: number;
}

/** The run step: each tile's window through the network (under each transform), its core pasted. */
export async function runTiles(
  input: NetworkInput,
  limits: TilePlanOptions,
  network: NetworkRun,
  report: EnhanceProgressCallback,
  signal: AbortSignal | undefined,
): Promise<TiledOutput> {
  const { data, width, height, nanCount, transforms } = input;
  // With NaN (off the disk) the cores cover only each band's extent of finite pixels: the rest of the
  // output is NaN whatever the network says.
  const plan = nanCount > 0 ? planMaskedTiles(width, height, finiteRows(data, width, height), limits) : planTiles(width, height, limits);
  const output = new Float32Array(width * SCALE_FACTOR * height * SCALE_FACTOR);
  const spread = transforms.length > 1 ? new Float32Array(output.length) : undefined;
  const total = plan.tiles.length;
  report({ status: 'progress', loaded: 0, total, unit: 'tiles' });
  let tilesSkipped = 0;
  for (const [index, tile] of plan.tiles.entries()) {
    throwIfAborted(signal);
    if (nanCount > 0 && !windowHasFinitePixel(data, width, tile.input)) {
      // Off the disk, halo included: the core's output is masked to NaN afterwards, as if it had run.
      tilesSkipped++;
    } else {
      const augmented = await runAugmented(cutWindow(input.normalised, width, tile.input), transforms, SCALE_FACTOR, network);
      pasteCore(augmented.mean, output, width, tile, input.backScale);
      if (spread) pasteCore(augmented.spread!, spread, width, tile, input.backScale);
    }
    report({ status: 'progress', loaded: index + 1, total, unit: 'tiles' });
  }
  return { output, spread, tiles: total, tilesSkipped };
}

/** A tile's input window, copied out of the normalised image. */
function cutWindow(normalised: Float32Array, width: number, rect: PixelRect): Plane {
  const tileWidth = rect.x1 - rect.x0;
  const tileHeight = rect.y1 - rect.y0;
  const tileData = new Float32Array(tileWidth * tileHeight);
  for (let y = 0; y < tileHeight; y++) {
    const from = (rect.y0 + y) * width + rect.x0;
    tileData.set(normalised.subarray(from, from + tileWidth), y * tileWidth);
  }
  return { data: tileData, width: tileWidth, height: tileHeight };
}

/** The core of a tile's output (its window's output less the halo) into the output grid, times `factor`. */
function pasteCore(tileOutput: Float32Array, target: Float32Array, width: number, tile: Tile, factor: number): void {
  const outWidth = width * SCALE_FACTOR;
  const tileOutWidth = (tile.input.x1 - tile.input.x0) * SCALE_FACTOR;
  for (let y = tile.core.y0 * SCALE_FACTOR; y < tile.core.y1 * SCALE_FACTOR; y++) {
    const sourceRow = (y - tile.input.y0 * SCALE_FACTOR) * tileOutWidth - tile.input.x0 * SCALE_FACTOR;
    const targetRow = y * outWidth;
    for (let x = tile.core.x0 * SCALE_FACTOR; x < tile.core.x1 * SCALE_FACTOR; x++)
      target[targetRow + x] = tileOutput[sourceRow + x] * factor;
  }
}
