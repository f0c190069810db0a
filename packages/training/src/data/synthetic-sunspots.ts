import type { RandomSource } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { TrainingDataError } from './training-data-error.js';

/*
 * Synthetic sunspots for the intensity network. The quiet-Sun scenes hold no dark region next to bright
 * granulation, so a network trained on them never learns to take HMI's stray light out of an umbra.
 * Multiplying the high-resolution scene by a smooth dark mask *before* degrading is exact for the
 * training pair (both PSFs and the rebinning are linear): the input then carries the light the HMI PSF
 * spreads from the granulation into the spot, and the target shows how much less of it a 28 cm
 * telescope would spread.
 */

/** One spot: an umbra inside a penumbra, both slightly elliptical, with soft edges. */
export interface SunspotShape {
  /** Centre, in source pixels. */
  readonly x: number;
  readonly y: number;
  /** Outer (penumbral) radius along the major axis, arcsec; equal to `umbraRadiusArcsec` for a pore. */
  readonly penumbraRadiusArcsec: number;
  readonly umbraRadiusArcsec: number;
  /** Minor/major axis ratio (0, 1]. */
  readonly axisRatio: number;
  /** Major-axis angle, radians. */
  readonly angle: number;
  /** Intensity relative to the surrounding quiet Sun. */
  readonly umbraLevel: number;
  readonly penumbraLevel: number;
}

/** What shapes a spot: the same for intensity and magnetogram spots. */
export interface SpotGeometryRanges {
  /** Outer radius range, arcsec. */
  readonly radiusArcsec: readonly [number, number];
  /** Umbral radius as a fraction of the outer radius. */
  readonly umbraFraction: readonly [number, number];
  readonly axisRatio: readonly [number, number];
  /** Spots whose outer radius is below this are pores: umbra only. */
  readonly poreRadiusArcsec: number;
  /** Spots per scene, inclusive range. */
  readonly count: readonly [number, number];
}

export interface SunspotRanges extends SpotGeometryRanges {
  readonly umbraLevel: readonly [number, number];
  readonly penumbraLevel: readonly [number, number];
  /** Width of the soft edges (logistic scale), arcsec. */
  readonly edgeArcsec: number;
}

/** Umbra ≈ 0.15–0.4 and penumbra ≈ 0.6–0.85 of the quiet Sun, a few to 40" across. */
export const SUNSPOT_RANGES: SunspotRanges = Object.freeze({
  radiusArcsec: [1.5, 20] as const,
  umbraFraction: [0.35, 0.6] as const,
  umbraLevel: [0.15, 0.4] as const,
  penumbraLevel: [0.6, 0.85] as const,
  axisRatio: [0.75, 1] as const,
  poreRadiusArcsec: 2.5,
  edgeArcsec: 0.2,
  count: [1, 3] as const,
});

/** A draw uniform in [low, high). */
export function uniformIn(random: RandomSource, [low, high]: readonly [number, number]): number {
  return low + (high - low) * random();
}

const uniform = uniformIn;

type SpotGeometry = Omit<SunspotShape, 'umbraLevel' | 'penumbraLevel'>;

/**
 * The spots of one scene: radii uniform in log (small spots as common as big ones), centres anywhere,
 * pores below `poreRadiusArcsec`. `umbra` draws a spot's umbral value right after its radius and
 * `penumbra` its penumbral one last (the order of draws is part of a seed's meaning).
 */
function drawSpots<U, S>(
  width: number,
  height: number,
  random: RandomSource,
  ranges: SpotGeometryRanges,
  umbra: () => U,
  penumbra: (pore: boolean, umbra: U) => S,
): (SpotGeometry & { umbra: U; penumbra: S })[] {
  const count = ranges.count[0] + Math.floor(random() * (ranges.count[1] - ranges.count[0] + 1));
  const spots: (SpotGeometry & { umbra: U; penumbra: S })[] = [];
  for (let i = 0; i < count; i++) {
    const [rLow, rHigh] = ranges.radiusArcsec;
    const outer = Math.exp(uniform(random, [Math.log(rLow), Math.log(rHigh)]));
    const pore = outer < ranges.poreRadiusArcsec;
    const umbraValue = umbra();
    const geometry: SpotGeometry = {
      x: random() * width,
      y: random() * height,
      penumbraRadiusArcsec: outer,
      umbraRadiusArcsec: pore ? outer : outer * uniform(random, ranges.umbraFraction),
      axisRatio: uniform(random, ranges.axisRatio),
      angle: random() * Math.PI,
    };
    spots.push({ ...geometry, umbra: umbraValue, penumbra: penumbra(pore, umbraValue) });
  }
  return spots;
}

/** Draws the spots of one scene (umbral and penumbral intensity levels from `ranges`). */
export function drawSunspots(width: number, height: number, random: RandomSource, ranges: SunspotRanges = SUNSPOT_RANGES): SunspotShape[] {
  return drawSpots(
    width,
    height,
    random,
    ranges,
    () => uniform(random, ranges.umbraLevel),
    (pore, umbraLevel) => (pore ? umbraLevel : uniform(random, ranges.penumbraLevel)),
  ).map(({ umbra, penumbra, ...geometry }) => ({ ...geometry, umbraLevel: umbra, penumbraLevel: penumbra }));
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * The multiplicative mask of the spots on a width×height grid of `pixelScaleArcsec`: 1 in the quiet Sun,
 * the penumbral level inside the outer edge, the umbral level inside the inner one. Distances wrap
 * around the edges (`periodic`), matching a periodic degradation of the scene.
 */
export function sunspotMask(
  width: number,
  height: number,
  pixelScaleArcsec: number,
  spots: readonly SunspotShape[],
  options: { periodic: boolean; edgeArcsec?: number },
): Float64Array {
  if (!(pixelScaleArcsec > 0)) {
    throw new TrainingDataError({ message: `pixel scale must be positive, got ${pixelScaleArcsec}`, code: 'DATA_ARGUMENT' });
  }
  const edge = (options.edgeArcsec ?? SUNSPOT_RANGES.edgeArcsec) / pixelScaleArcsec;
  const mask = new Float64Array(width * height).fill(1);
  for (const spot of spots) {
    const outer = spot.penumbraRadiusArcsec / pixelScaleArcsec;
    const inner = spot.umbraRadiusArcsec / pixelScaleArcsec;
    const reach = outer + 8 * edge;
    const cos = Math.cos(spot.angle);
    const sin = Math.sin(spot.angle);
    for (let y = 0; y < height; y++) {
      let dy = y - spot.y;
      if (options.periodic) dy -= height * Math.round(dy / height);
      if (Math.abs(dy) > reach) continue;
      for (let x = 0; x < width; x++) {
        let dx = x - spot.x;
        if (options.periodic) dx -= width * Math.round(dx / width);
        if (Math.abs(dx) > reach) continue;
        const along = dx * cos + dy * sin;
        const across = (-dx * sin + dy * cos) / spot.axisRatio;
        const r = Math.hypot(along, across);
        const inPenumbra = logistic((outer - r) / edge);
        const inUmbra = logistic((inner - r) / edge);
        mask[y * width + x] *= 1 - (1 - spot.penumbraLevel) * inPenumbra - (spot.penumbraLevel - spot.umbraLevel) * inUmbra;
      }
    }
  }
  return mask;
}

/** The scene times the mask of the given spots (a new plane). */
export function withSunspots(scene: ImagePlane, pixelScaleArcsec: number, spots: readonly SunspotShape[], periodic: boolean): ImagePlane {
  const mask = sunspotMask(scene.width, scene.height, pixelScaleArcsec, spots, { periodic });
  return { width: scene.width, height: scene.height, data: Float64Array.from(scene.data, (v, i) => v * mask[i]) };
}

/*
 * Synthetic sunspots for the magnetogram network. The GST/NIRIS maps hold plage and network — small
 * flux concentrations that HMI's PSF flattens a lot — but no sunspot, whose field is strong and smooth
 * over many arcseconds and which the PSF barely changes. A network trained on plage alone learns "strong
 * field → sharpen and amplify" and inflates the flux of every real sunspot (measured: the shipped full
 * network adds 3% to the NIRIS truth's flux, 6% with a 24" spot in the map). A spot's field replaces
 * the map inside its outer edge before degrading, which again is exact for the pair.
 */

/** A magnetic spot: the shape of a SunspotShape (its intensity levels unused), with its field. */
export interface MagneticSpotShape extends Omit<SunspotShape, 'umbraLevel' | 'penumbraLevel'> {
  /** Line-of-sight field in the umbra and the penumbra, in the map's units (kG), both of the spot's sign. */
  readonly umbraField: number;
  readonly penumbraField: number;
}

export interface MagneticSpotRanges extends SpotGeometryRanges {
  /** |B| in the umbra and the penumbra, kG. */
  readonly umbraField: readonly [number, number];
  readonly penumbraField: readonly [number, number];
}

/** Umbrae 1.8–3.0 kG, penumbrae 0.6–1.4 kG (line of sight near disc centre), 3–24" across. */
export const MAGNETIC_SPOT_RANGES: MagneticSpotRanges = Object.freeze({
  radiusArcsec: [1.5, 12] as const,
  umbraFraction: [0.35, 0.6] as const,
  umbraField: [1.8, 3.0] as const,
  penumbraField: [0.6, 1.4] as const,
  axisRatio: [0.75, 1] as const,
  poreRadiusArcsec: 2.5,
  count: [1, 2] as const,
});

/** Draws the magnetic spots of one map, either polarity (a pore's penumbra is its umbra). */
export function drawMagneticSpots(
  width: number,
  height: number,
  random: RandomSource,
  ranges: MagneticSpotRanges = MAGNETIC_SPOT_RANGES,
): MagneticSpotShape[] {
  return drawSpots(
    width,
    height,
    random,
    ranges,
    () => (random() < 0.5 ? -1 : 1) * uniform(random, ranges.umbraField),
    (pore, umbraField) => (pore ? umbraField : Math.sign(umbraField) * uniform(random, ranges.penumbraField)),
  ).map(({ umbra, penumbra, ...geometry }) => ({ ...geometry, umbraField: umbra, penumbraField: penumbra }));
}

/**
 * The map with each spot's field in place of the map's inside the spot's outer edge (soft edges as for
 * intensity spots): B = B_map·(1 − support) + B_spot, spot after spot (a new plane).
 */
export function withMagneticSpots(
  map: ImagePlane,
  pixelScaleArcsec: number,
  spots: readonly MagneticSpotShape[],
  periodic: boolean,
): ImagePlane {
  const data = Float64Array.from(map.data);
  for (const spot of spots) {
    if (spot.umbraField === 0 || Math.sign(spot.umbraField) !== Math.sign(spot.penumbraField)) {
      throw new TrainingDataError({
        message: `a spot's umbral and penumbral fields must be non-zero and of one sign, got ${spot.umbraField} and ${spot.penumbraField}`,
        code: 'DATA_ARGUMENT',
      });
    }
    const shape = { ...spot, umbraLevel: 0, penumbraLevel: 0 };
    // support: 1 − mask with both levels 0 is the spot's soft outer footprint; the umbral step on top of
    // it is the mask with the penumbra at 1 (umbra level 0) and only the inner edge counted.
    const outer = sunspotMask(map.width, map.height, pixelScaleArcsec, [shape], { periodic });
    const inner = sunspotMask(map.width, map.height, pixelScaleArcsec, [{ ...shape, penumbraRadiusArcsec: spot.umbraRadiusArcsec }], {
      periodic,
    });
    for (let i = 0; i < data.length; i++) {
      const support = 1 - outer[i];
      const umbra = 1 - inner[i];
      data[i] = data[i] * (1 - support) + spot.penumbraField * support + (spot.umbraField - spot.penumbraField) * umbra;
    }
  }
  return { width: map.width, height: map.height, data };
}
