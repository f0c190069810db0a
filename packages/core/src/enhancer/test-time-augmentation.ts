import { invalidOption } from './enhancer-errors.js';

/**
 * Test-time augmentation: how many symmetries of the square each tile is run under. 1: none; 4: the
 * flips (identity, flip x, flip y, half turn), which keep a tile's shape; 8: the whole dihedral group
 * D4, the four flips again after a transpose (quarter turns swap the axes: the network is fully
 * convolutional, so any tile shape works). The networks were trained under all 8 (patch-sampler.ts).
 */
export type TtaOption = 1 | 4 | 8;
export const TTA_OPTIONS: readonly TtaOption[] = Object.freeze([1, 4, 8]);

/** Transform ids: bit 0 flips x, bit 1 flips y, bit 2 transposes first (the training's dihedralSource). */
const TRANSFORMS: Readonly<Record<TtaOption, readonly number[]>> = Object.freeze({
  1: Object.freeze([0]),
  4: Object.freeze([0, 1, 2, 3]),
  8: Object.freeze([0, 1, 2, 3, 4, 5, 6, 7]),
});

export function ttaTransforms(tta: unknown): readonly number[] {
  if (!TTA_OPTIONS.includes(tta as TtaOption)) throw invalidOption('tta', tta, TTA_OPTIONS.join(' | '));
  return TRANSFORMS[tta as TtaOption];
}

/** A row-major plane: data[y * width + x]. */
export interface Plane {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The plane seen under a transform: transformed(x, y) = plane(source(x, y)), where (a, b) = (y, x) when
 * the transform transposes and (x, y) otherwise, and the source is (a, b) with a flipped over the
 * plane's width (bit 0) and b over its height (bit 1).
 */
export function transformPlane(plane: Plane, transform: number): Plane {
  const { data, width, height } = plane;
  const transposed = (transform & 4) !== 0;
  const outWidth = transposed ? height : width;
  const outHeight = transposed ? width : height;
  const out = new Float32Array(data.length);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) out[y * outWidth + x] = data[sourceIndex(x, y, width, height, transform)];
  }
  return { data: out, width: outWidth, height: outHeight };
}

/** The inverse of transformPlane: given what a plane of `width`×`height` became, the plane back. */
export function untransformPlane(transformed: Plane, transform: number): Plane {
  const transposed = (transform & 4) !== 0;
  const width = transposed ? transformed.height : transformed.width;
  const height = transposed ? transformed.width : transformed.height;
  const out = new Float32Array(transformed.data.length);
  for (let y = 0; y < transformed.height; y++) {
    for (let x = 0; x < transformed.width; x++)
      out[sourceIndex(x, y, width, height, transform)] = transformed.data[y * transformed.width + x];
  }
  return { data: out, width, height };
}

function sourceIndex(x: number, y: number, width: number, height: number, transform: number): number {
  let a = transform & 4 ? y : x;
  let b = transform & 4 ? x : y;
  if (transform & 1) a = width - 1 - a;
  if (transform & 2) b = height - 1 - b;
  return b * width + a;
}

export interface AugmentedOutput {
  /** The mean over the transforms of the network's output, mapped back to the tile's orientation. */
  readonly mean: Float32Array;
  /** The standard deviation over the transforms (population: the set is the whole group, not a sample); absent for one transform. */
  readonly spread?: Float32Array;
}

/**
 * Runs `network` on the tile under each transform and averages the outputs mapped back. The network
 * maps a w×h plane to one of `factor`·w × `factor`·h (nearest-neighbour upsampling commutes with the
 * flips and the transpose, so the same transform maps the output back). Sums are kept in float64,
 * relative to the first output, so the spread of nearly equal outputs keeps its digits.
 */
export async function runAugmented(
  tile: Plane,
  transforms: readonly number[],
  factor: number,
  network: (input: Plane) => Promise<Float32Array>,
): Promise<AugmentedOutput> {
  const outWidth = tile.width * factor;
  const outHeight = tile.height * factor;
  if (transforms.length === 1 && transforms[0] === 0) return { mean: await network(tile) };
  let first: Float32Array | undefined;
  const sum = new Float64Array(outWidth * outHeight);
  const sumOfSquares = new Float64Array(outWidth * outHeight);
  for (const transform of transforms) {
    const input = transform === 0 ? tile : transformPlane(tile, transform);
    const raw = await network(input);
    const output =
      transform === 0 ? raw : untransformPlane({ data: raw, width: input.width * factor, height: input.height * factor }, transform).data;
    first ??= output;
    for (let i = 0; i < output.length; i++) {
      const d = output[i] - first[i];
      sum[i] += d;
      sumOfSquares[i] += d * d;
    }
  }
  const count = transforms.length;
  const mean = new Float32Array(sum.length);
  const spread = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const offset = sum[i] / count;
    mean[i] = first![i] + offset;
    spread[i] = Math.sqrt(Math.max(0, sumOfSquares[i] / count - offset * offset));
  }
  return { mean, spread };
}
