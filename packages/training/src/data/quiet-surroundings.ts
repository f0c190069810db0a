import type { RandomSource } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { sunspotMask, uniformIn as uniform } from './synthetic-sunspots.js';
import { TrainingDataError } from './training-data-error.js';

/*
 * Quiet surroundings for the magnetogram network. The GST/NIRIS maps are plage and network from edge to
 * edge, while a real HMI active-region map is mostly quiet Sun around its flux (the two 720 s maps: 65%
 * and 88% of the area below 40 G), where HMI's PSF wings spread the region's flux and the truth holds
 * little. Keeping the map's field only inside a few soft islands and scaling it to a few per cent
 * elsewhere, *before* degrading (exact for the pair), gives scenes in which the input carries that stray
 * light and the target says how weak the surroundings really are — the paper's "regions far from
 * magnetized areas … returning smaller longitudinal fields".
 */

/** One island of the map's own field, a soft-edged ellipse. */
export interface FieldIsland {
  /** Centre, source pixels. */
  readonly x: number;
  readonly y: number;
  readonly radiusArcsec: number;
  readonly axisRatio: number;
  readonly angle: number;
}

export interface QuietSurroundings {
  readonly islands: readonly FieldIsland[];
  /** The share of the map's field kept outside the islands (quiet-Sun network). */
  readonly quietLevel: number;
}

export interface QuietSurroundingsRanges {
  readonly radiusArcsec: readonly [number, number];
  readonly axisRatio: readonly [number, number];
  readonly quietLevel: readonly [number, number];
  readonly count: readonly [number, number];
  /** Logistic edge width, arcsec. */
  readonly edgeArcsec: number;
}

/** 1–3 islands 10–30" across; outside them 2–8% of the map's field. */
export const QUIET_SURROUNDINGS_RANGES: QuietSurroundingsRanges = Object.freeze({
  radiusArcsec: [5, 15] as const,
  axisRatio: [0.6, 1] as const,
  quietLevel: [0.02, 0.08] as const,
  count: [1, 3] as const,
  edgeArcsec: 1,
});

/** Draws the islands and quiet level of one map (islands anywhere on it). */
export function drawQuietSurroundings(
  width: number,
  height: number,
  random: RandomSource,
  ranges: QuietSurroundingsRanges = QUIET_SURROUNDINGS_RANGES,
): QuietSurroundings {
  const count = ranges.count[0] + Math.floor(random() * (ranges.count[1] - ranges.count[0] + 1));
  const islands: FieldIsland[] = [];
  for (let i = 0; i < count; i++) {
    islands.push({
      x: random() * width,
      y: random() * height,
      radiusArcsec: uniform(random, ranges.radiusArcsec),
      axisRatio: uniform(random, ranges.axisRatio),
      angle: random() * Math.PI,
    });
  }
  return { islands, quietLevel: uniform(random, ranges.quietLevel) };
}

/**
 * The multiplicative mask: 1 inside the islands, `quietLevel` far from them, a logistic edge of
 * `edgeArcsec` between (islands combine as a soft union, 1 − Π(1 − sᵢ)).
 */
export function quietSurroundingsMask(
  width: number,
  height: number,
  pixelScaleArcsec: number,
  surroundings: QuietSurroundings,
  edgeArcsec = QUIET_SURROUNDINGS_RANGES.edgeArcsec,
): Float64Array {
  const { islands, quietLevel } = surroundings;
  if (!(pixelScaleArcsec > 0) || !(quietLevel >= 0 && quietLevel <= 1) || !(edgeArcsec > 0)) {
    throw new TrainingDataError({
      message: `quiet surroundings need a positive pixel scale and edge and a quiet level in [0, 1], got ${pixelScaleArcsec}, ${edgeArcsec}, ${quietLevel}`,
      code: 'DATA_ARGUMENT',
    });
  }
  // Each island is a spot with both levels 0: sunspotMask's product of (1 − footprint) is the share of
  // a pixel outside every island.
  const asSpots = islands.map((i) => ({
    x: i.x,
    y: i.y,
    penumbraRadiusArcsec: i.radiusArcsec,
    umbraRadiusArcsec: i.radiusArcsec,
    axisRatio: i.axisRatio,
    angle: i.angle,
    umbraLevel: 0,
    penumbraLevel: 0,
  }));
  const outside = sunspotMask(width, height, pixelScaleArcsec, asSpots, { periodic: false, edgeArcsec });
  return outside.map((o) => quietLevel + (1 - quietLevel) * (1 - o));
}

/** The map times the quiet-surroundings mask (a new plane). */
export function withQuietSurroundings(map: ImagePlane, pixelScaleArcsec: number, surroundings: QuietSurroundings): ImagePlane {
  const mask = quietSurroundingsMask(map.width, map.height, pixelScaleArcsec, surroundings);
  return { width: map.width, height: map.height, data: Float64Array.from(map.data, (v, i) => v * mask[i]) };
}
