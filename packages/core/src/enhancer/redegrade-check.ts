import type { InferenceSession, TensorConstructor } from 'onnxruntime-common';
import { EnhancerError } from './enhancer-errors.js';

/** The quality check's model, shipped beside the trained models (npm run export:redegrade writes it). */
export const REDEGRADE_MODEL_FILE = 'hmi-redegrade.onnx';
/** The residuals the evaluation measured on real HMI data per model, shipped beside the models (npm run evaluate writes it). */
export const QA_REFERENCE_FILE = 'qa-reference.json';

/** Largest side of one re-degradation tile: a power of two keeps onnxruntime's DFT on its radix-2 path. */
const MAX_TILE_SIDE = 2048;

/**
 * The output degraded again as the networks' training inputs were: the re-degradation model
 * (hmi-redegrade.onnx: HMI PSF at the output grid, then the 2×2 mean) run tile by tile. Each tile is
 * the output with `halo` pixels of context, mirrored beyond the image's edges as the training
 * degradation does, padded to a power of two; missing pixels (NaN) count as dark sky (0), what the
 * network was fed there.
 */
export class Redegrader {
  private constructor(
    private readonly session: InferenceSession,
    private readonly Tensor: TensorConstructor,
    readonly halo: number,
    readonly source: string,
  ) {}

  static async create(
    model: { bytes: Uint8Array; source: string },
    backend: { InferenceSession: Pick<typeof InferenceSession, 'create'>; Tensor: TensorConstructor },
    sessionOptions: InferenceSession.SessionOptions,
    halo: number,
  ): Promise<Redegrader> {
    const session = await backend.InferenceSession.create(model.bytes, sessionOptions);
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      await session.release();
      throw new EnhancerError({
        code: 'MODEL_IO',
        file: model.source,
        message: `the re-degradation model must have one input and one output, found [${session.inputNames.join(', ')}] and [${session.outputNames.join(', ')}]`,
      });
    }
    return new Redegrader(session, backend.Tensor, halo, model.source);
  }

  /**
   * `output` (outWidth × outHeight, twice the input grid) divided by `scale`, degraded, rebinned onto the
   * input grid and multiplied back: input units, (outWidth/2) × (outHeight/2).
   */
  async redegrade(output: Float32Array, outWidth: number, outHeight: number, scale: number, signal?: AbortSignal): Promise<Float32Array> {
    const width = outWidth / 2;
    const height = outHeight / 2;
    const result = new Float32Array(width * height);
    const halo = this.halo;
    const side = (n: number) => Math.min(MAX_TILE_SIDE, nextPowerOfTwo(2 * n + 2 * halo));
    const tileWidth = side(width);
    const tileHeight = side(height);
    // Input-grid pixels each tile gives back.
    const coreWidth = (tileWidth - 2 * halo) / 2;
    const coreHeight = (tileHeight - 2 * halo) / 2;
    const inputName = this.session.inputNames[0];
    const outputName = this.session.outputNames[0];
    const columns = new Int32Array(tileWidth);
    for (let y0 = 0; y0 < height; y0 += coreHeight) {
      for (let x0 = 0; x0 < width; x0 += coreWidth) {
        if (signal?.aborted) throw new EnhancerError({ code: 'ABORTED', message: 'enhancement aborted', cause: signal.reason });
        const tile = new Float32Array(tileWidth * tileHeight);
        for (let tx = 0; tx < tileWidth; tx++) columns[tx] = mirror(2 * x0 - halo + tx, outWidth);
        for (let ty = 0; ty < tileHeight; ty++) {
          const row = mirror(2 * y0 - halo + ty, outHeight) * outWidth;
          for (let tx = 0; tx < tileWidth; tx++) {
            const value = output[row + columns[tx]];
            tile[ty * tileWidth + tx] = Number.isFinite(value) ? value / scale : 0;
          }
        }
        const results = await this.session.run({ [inputName]: new this.Tensor('float32', tile, [1, 1, tileHeight, tileWidth]) });
        const degraded = results[outputName];
        const expected = [1, 1, coreHeight, coreWidth];
        if (degraded.dims.length !== 4 || degraded.dims.some((dim, axis) => dim !== expected[axis])) {
          throw new EnhancerError({
            code: 'MODEL_IO',
            file: this.source,
            message: `output has shape [${degraded.dims.join(', ')}] for a tile of [1, 1, ${tileHeight}, ${tileWidth}]: expected [${expected.join(', ')}] (halo ${halo})`,
          });
        }
        const values = (await degraded.getData()) as Float32Array;
        for (let y = 0; y < Math.min(coreHeight, height - y0); y++) {
          for (let x = 0; x < Math.min(coreWidth, width - x0); x++) result[(y0 + y) * width + x0 + x] = values[y * coreWidth + x] * scale;
        }
        degraded.dispose();
      }
    }
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Mirror about the edge pixels (the edge not repeated, like ONNX Pad 'reflect'), folded again as often as needed. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const folded = ((i % period) + period) % period;
  return folded < n ? folded : period - folded;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** What the quality check says about one enhanced image. */
export interface QaSummary {
  /** Mean |residual| / mean |input| over the finite input pixels (the paper: about 4% for Enhance). */
  readonly relativeResidual: number;
  /** Mean |residual|, input units. */
  readonly meanAbsoluteResidual: number;
  /** 99th percentile of |residual|, input units. */
  readonly residualP99: number;
  /** The input's noise σ (input units), estimated from its finest scales (estimateNoiseSigma). */
  readonly noiseSigma: number;
  /** Share of the finite input pixels whose |residual| exceeds 3 noise σ. */
  readonly fractionAbove3Sigma: number;
  readonly pixels: number;
  /** The largest relative residual the evaluation measured with this model on real HMI data; null when it has none for the model. */
  readonly reference: QaModelReference | null;
  /** Whether relativeResidual exceeds the reference's largest. */
  readonly exceedsReference: boolean;
}

/**
 * The residual map (re-degraded output − input; NaN where the input is missing) and its summary. The
 * 99th percentile is exact (a sort of the finite |residual|s, strided to at most 2^20 of them).
 */
export function summariseResidual(
  input: ArrayLike<number>,
  redegraded: Float32Array,
  width: number,
  height: number,
  reference: QaModelReference | null,
): { residual: Float32Array; summary: QaSummary } {
  const residual = new Float32Array(width * height);
  let absoluteSum = 0;
  let inputSum = 0;
  let pixels = 0;
  for (let i = 0; i < residual.length; i++) {
    const value = input[i];
    if (!Number.isFinite(value)) {
      residual[i] = Number.NaN;
      continue;
    }
    const r = redegraded[i] - value;
    residual[i] = r;
    absoluteSum += Math.abs(r);
    inputSum += Math.abs(value);
    pixels++;
  }
  const noiseSigma = estimateNoiseSigma(input, width, height);
  let above = 0;
  const stride = Math.max(1, Math.ceil(pixels / (1 << 20)));
  const sample: number[] = [];
  let seen = 0;
  for (let i = 0; i < residual.length; i++) {
    const r = residual[i];
    if (!Number.isFinite(r)) continue;
    if (Math.abs(r) > 3 * noiseSigma) above++;
    if (seen++ % stride === 0) sample.push(Math.abs(r));
  }
  const sorted = Float64Array.from(sample).sort();
  const relativeResidual = inputSum > 0 ? absoluteSum / inputSum : Number.NaN;
  return {
    residual,
    summary: {
      relativeResidual,
      meanAbsoluteResidual: pixels > 0 ? absoluteSum / pixels : Number.NaN,
      residualP99: sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.round(0.99 * (sorted.length - 1)))] : Number.NaN,
      noiseSigma,
      fractionAbove3Sigma: pixels > 0 ? above / pixels : Number.NaN,
      pixels,
      reference,
      exceedsReference: reference !== null && relativeResidual > reference.maxRelativeResidual,
    },
  };
}

/**
 * The noise σ of an image from its finest scales: the median |L ⊛ I| over pixels whose 3×3 window is
 * finite, with L = [1 −2 1]ᵀ[1 −2 1] (Immerkær 1996; Σ L² = 36, so white noise of σ gives L ⊛ I of 6σ),
 * times 1.4826 (median |x| = 0.6745 σ for Gaussian x), over 6. L is blind to planes and quadratics, but
 * real structure at the pixel scale (granulation at HMI's sampling, sharp edges) adds to it, so it is
 * an upper bound of the noise on sharp images. A strided sample of at most 2^20 pixels; NaN below 3×3.
 */
export function estimateNoiseSigma(data: ArrayLike<number>, width: number, height: number): number {
  const values: number[] = [];
  const interior = Math.max(0, (width - 2) * (height - 2));
  const stride = Math.max(1, Math.ceil(interior / (1 << 20)));
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      if (count++ % stride !== 0) continue;
      let sum = 0;
      let finite = true;
      for (let j = -1; j <= 1 && finite; j++) {
        for (let i = -1; i <= 1; i++) {
          const value = data[(y + j) * width + x + i];
          if (!Number.isFinite(value)) {
            finite = false;
            break;
          }
          sum += (i === 0 ? -2 : 1) * (j === 0 ? -2 : 1) * value;
        }
      }
      if (finite) values.push(Math.abs(sum));
    }
  }
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = (sorted.length - 1) / 2;
  return (1.4826 * (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)])) / 2 / 6;
}

/** One model's entry in qa-reference.json. */
export interface QaModelReference {
  readonly file: string;
  readonly sha256: string;
  readonly kind: string;
  readonly variant: string;
  /** The largest relative residual over `images`. */
  readonly maxRelativeResidual: number;
  readonly images: readonly { readonly image: string; readonly relativeResidual: number; readonly fractionAbove3Sigma: number }[];
}

export interface QaReferenceFile {
  readonly generatedBy: string;
  readonly definition: string;
  readonly models: readonly QaModelReference[];
}

/** Parses qa-reference.json; a malformed file is an error (it ships with the models), a model it lacks is not. */
export function parseQaReference(bytes: Uint8Array, source: string): QaReferenceFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new EnhancerError({ code: 'MODEL_IO', file: source, message: `is not JSON (${(cause as Error).message})`, cause });
  }
  const models = (parsed as { models?: unknown }).models;
  const valid =
    Array.isArray(models) &&
    models.every((m) => typeof m?.sha256 === 'string' && typeof m?.maxRelativeResidual === 'number' && Array.isArray(m?.images));
  if (!valid)
    throw new EnhancerError({ code: 'MODEL_IO', file: source, message: 'expected { models: [{ sha256, maxRelativeResidual, images }] }' });
  return parsed as QaReferenceFile;
}
