import { addGaussianNoise, type RandomSource } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { TrainingDataError } from './training-data-error.js';

/** Input patches are 50×50 at 0.504"/px, targets 100×100 at 0.252"/px (the paper's). */
export const INPUT_PATCH_SIZE = 50;
export const TARGET_PATCH_SIZE = 2 * INPUT_PATCH_SIZE;

/** A batch in NCHW layout: inputs [count, 1, 50, 50], targets [count, 1, 100, 100], float32. */
export interface PatchBatch {
  readonly count: number;
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly inputShape: readonly [number, 1, number, number];
  readonly targetShape: readonly [number, 1, number, number];
}

/** One aligned (input, target) image pair and the input-grid origins patches may start at. */
export interface PatchSource {
  readonly input: ImagePlane;
  readonly target: ImagePlane;
  /** Top-left corners [x, y] (input pixels) of the allowed 50×50 input windows. */
  readonly origins: readonly (readonly [number, number])[];
}

/**
 * The 8 symmetries of the square (dihedral group D4), as a map from output (x, y) to source (x, y) in a
 * size×size patch: index bit 0 flips x, bit 1 flips y, bit 2 transposes.
 */
export function dihedralSource(transform: number, x: number, y: number, size: number): [number, number] {
  let sx = transform & 4 ? y : x;
  let sy = transform & 4 ? x : y;
  if (transform & 1) sx = size - 1 - sx;
  if (transform & 2) sy = size - 1 - sy;
  return [sx, sy];
}

function copyPatch(plane: ImagePlane, x0: number, y0: number, size: number, transform: number, out: Float32Array, offset: number): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [sx, sy] = dihedralSource(transform, x, y, size);
      out[offset + y * size + x] = plane.data[(y0 + sy) * plane.width + x0 + sx];
    }
  }
}

export function emptyBatch(count: number): PatchBatch {
  return {
    count,
    inputs: new Float32Array(count * INPUT_PATCH_SIZE * INPUT_PATCH_SIZE),
    targets: new Float32Array(count * TARGET_PATCH_SIZE * TARGET_PATCH_SIZE),
    inputShape: [count, 1, INPUT_PATCH_SIZE, INPUT_PATCH_SIZE],
    targetShape: [count, 1, TARGET_PATCH_SIZE, TARGET_PATCH_SIZE],
  };
}

/** Writes the patch pair at one origin, under one of the 8 symmetries, into slot `index` of a batch. */
export function writePatchPair(
  batch: PatchBatch,
  index: number,
  source: PatchSource,
  origin: readonly [number, number],
  transform: number,
): void {
  const [x, y] = origin;
  copyPatch(source.input, x, y, INPUT_PATCH_SIZE, transform, batch.inputs, index * INPUT_PATCH_SIZE * INPUT_PATCH_SIZE);
  copyPatch(source.target, 2 * x, 2 * y, TARGET_PATCH_SIZE, transform, batch.targets, index * TARGET_PATCH_SIZE * TARGET_PATCH_SIZE);
}

/**
 * The input noise of a training batch: one σ for every patch (the paper's), or a range [low, high] from
 * which each patch draws its own σ, uniformly in log σ — real data are not all equally noisy (HMI's
 * 720 s magnetograms ≈ 3.5–4 G, its 45 s ones ≈ 7–10 G), and a network that has seen only one level
 * takes a quieter map's fine structure for signal it must sharpen.
 */
export type InputNoise = number | readonly [number, number];

/** Checks an InputNoise: finite, non-negative, a range with low ≤ high and low > 0. */
export function checkInputNoise(noise: InputNoise): void {
  const ok =
    typeof noise === 'number'
      ? Number.isFinite(noise) && noise >= 0
      : noise.length === 2 && Number.isFinite(noise[0]) && Number.isFinite(noise[1]) && noise[0] > 0 && noise[1] >= noise[0];
  if (!ok) {
    throw new TrainingDataError({
      message: `input noise must be σ ≥ 0 or a range 0 < low ≤ high, got ${JSON.stringify(noise)}`,
      code: 'DATA_ARGUMENT',
    });
  }
}

/** Adds the input noise to a batch of inputs, `patchLength` values a patch (per-patch σ for a range). */
export function addInputNoise(inputs: Float32Array, patchLength: number, noise: InputNoise, random: RandomSource): void {
  if (typeof noise === 'number') {
    addGaussianNoise(inputs, noise, random);
    return;
  }
  const [low, high] = [Math.log(noise[0]), Math.log(noise[1])];
  for (let start = 0; start < inputs.length; start += patchLength) {
    addGaussianNoise(inputs.subarray(start, start + patchLength), Math.exp(low + (high - low) * random()), random);
  }
}

/** Negates the pair in slot `index` (input and target alike). */
function negatePatchPair(batch: PatchBatch, index: number): void {
  const inputLength = INPUT_PATCH_SIZE * INPUT_PATCH_SIZE;
  const targetLength = TARGET_PATCH_SIZE * TARGET_PATCH_SIZE;
  for (let k = index * inputLength; k < (index + 1) * inputLength; k++) batch.inputs[k] = -batch.inputs[k];
  for (let k = index * targetLength; k < (index + 1) * targetLength; k++) batch.targets[k] = -batch.targets[k];
}

/**
 * Draws batches of random patch pairs: a source with probability proportional to its number of allowed
 * origins (so every allowed window is equally likely), a uniform origin, and one of the 8 symmetries;
 * with `signFlip` (magnetograms: the Sun has no preferred polarity, and a network should answer −B
 * with −B) half the pairs negated; then the input noise (./InputNoise) on the inputs only.
 */
export function samplePatchBatch(
  sources: readonly PatchSource[],
  count: number,
  random: RandomSource,
  inputNoise: InputNoise,
  options: { signFlip?: boolean } = {},
): PatchBatch {
  checkInputNoise(inputNoise);
  if (!Number.isInteger(count) || count < 1) {
    throw new TrainingDataError({ message: `batch size must be a positive integer, got ${count}`, code: 'DATA_ARGUMENT' });
  }
  const total = sources.reduce((n, s) => n + s.origins.length, 0);
  const batch = emptyBatch(count);
  for (let i = 0; i < count; i++) {
    let pick = Math.floor(random() * total);
    let source = sources[0];
    for (const candidate of sources) {
      if (pick < candidate.origins.length) {
        source = candidate;
        break;
      }
      pick -= candidate.origins.length;
    }
    writePatchPair(batch, i, source, source.origins[pick], Math.floor(random() * 8));
    if (options.signFlip && random() < 0.5) negatePatchPair(batch, i);
  }
  addInputNoise(batch.inputs, INPUT_PATCH_SIZE * INPUT_PATCH_SIZE, inputNoise, random);
  return batch;
}

/** All input-grid origins of size×size windows inside a plane of the given size that pass `allowed`. */
export function windowOrigins(
  width: number,
  height: number,
  allowed: (x: number, y: number) => boolean = () => true,
  size = INPUT_PATCH_SIZE,
): [number, number][] {
  const origins: [number, number][] = [];
  for (let y = 0; y + size <= height; y++) for (let x = 0; x + size <= width; x++) if (allowed(x, y)) origins.push([x, y]);
  return origins;
}
