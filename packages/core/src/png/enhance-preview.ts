import { EnhanceError } from '../errors/index.js';
import type { EnhanceKind } from '../kinds.js';
import { encodePng } from './encode-png.js';
import type { PngPixels } from './encode-png.js';

export interface PreviewImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** The values mapped to black and white. */
export interface DisplayRange {
  low: number;
  high: number;
}

export interface EnhancePreviewOptions {
  kind: EnhanceKind;
  /** The low-resolution input, shown with each pixel repeated 2×2. */
  input: PreviewImage;
  /** The 2× enhanced output, shown next to it. */
  output: PreviewImage;
  /** Largest side of each panel in pixels; larger images are decimated by a whole factor. Default 2048. */
  maxPanelSide?: number;
}

/** Colour of pixels that are NaN (off-disk, blank): a blue no gray level can be mistaken for. */
export const PREVIEW_NAN_RGB: readonly [number, number, number] = Object.freeze([40, 70, 160]) as readonly [number, number, number];
/** Magnetograms map −1 kG → black, 0 → mid gray, +1 kG → white (clipped beyond). */
export const PREVIEW_BLOS_RANGE_GAUSS = 1000;
/** Intensity maps these percentiles of the finite pixels of both panels to black and white. */
export const PREVIEW_INTENSITY_PERCENTILES: readonly [number, number] = Object.freeze([0.005, 0.995]) as readonly [number, number];
const GAP_PIXELS = 4;
const GAP_GRAY = 255;

/**
 * Input (nearest ×2) and output side by side with a shared gray scale, as an RGB PNG, north up: FITS row 0
 * is the bottom row of the picture, as sunpy, ds9 and the demo page show solar images.
 */
export function renderEnhancePreview(options: EnhancePreviewOptions): Uint8Array {
  return encodePng(enhancePreviewPixels(options));
}

/** The preview's pixels before PNG encoding (top row first, as PNG stores them: FITS row 0 last). */
export function enhancePreviewPixels(options: EnhancePreviewOptions): PngPixels {
  const { kind, input, output, maxPanelSide = 2048 } = options;
  if (output.width !== 2 * input.width || output.height !== 2 * input.height) {
    throw new EnhanceError({
      code: 'PNG_INVALID',
      message: `preview needs an output twice the input: input ${input.width}×${input.height}, output ${output.width}×${output.height}`,
    });
  }
  const panelWidth = output.width;
  const panelHeight = output.height;
  const step = Math.max(1, Math.ceil(Math.max(panelWidth, panelHeight) / maxPanelSide));
  const shownWidth = Math.ceil(panelWidth / step);
  const shownHeight = Math.ceil(panelHeight / step);
  const range = displayRange(kind, [input, output]);

  const width = 2 * shownWidth + GAP_PIXELS;
  const data = new Uint8Array(width * shownHeight * 3).fill(GAP_GRAY);
  const paint = (panelX0: number, sample: (x: number, y: number) => number) => {
    for (let y = 0; y < shownHeight; y++) {
      const row = shownHeight - 1 - y;
      for (let x = 0; x < shownWidth; x++) {
        const value = sample(x * step, y * step);
        const at = (row * width + panelX0 + x) * 3;
        writeDisplayRgb(data, at, value, range);
      }
    }
  };
  paint(0, (x, y) => input.data[(y >> 1) * input.width + (x >> 1)]);
  paint(shownWidth + GAP_PIXELS, (x, y) => output.data[y * output.width + x]);
  return { width, height: shownHeight, channels: 3, data };
}

/**
 * The gray scale shared by an input and its enhanced output: ±`blosRangeGauss` (default 1 kG) for
 * magnetograms, the preview percentiles of the finite pixels of every image for intensity.
 */
export function displayRange(kind: EnhanceKind, images: readonly PreviewImage[], blosRangeGauss = PREVIEW_BLOS_RANGE_GAUSS): DisplayRange {
  if (kind === 'blos') return { low: -blosRangeGauss, high: blosRangeGauss };
  const samples: number[] = [];
  for (const image of images) {
    const stride = Math.max(1, Math.floor(image.data.length / 500_000));
    for (let i = 0; i < image.data.length; i += stride) if (Number.isFinite(image.data[i])) samples.push(image.data[i]);
  }
  if (samples.length === 0) return { low: 0, high: 1 };
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number) => sorted[Math.round(fraction * (sorted.length - 1))];
  return { low: at(PREVIEW_INTENSITY_PERCENTILES[0]), high: at(PREVIEW_INTENSITY_PERCENTILES[1]) };
}

/** Writes one pixel's gray (or the NaN colour) as RGB at `offset`: the preview's and the demo's mapping. */
export function writeDisplayRgb(target: Uint8Array | Uint8ClampedArray, offset: number, value: number, { low, high }: DisplayRange): void {
  if (Number.isNaN(value)) {
    target[offset] = PREVIEW_NAN_RGB[0];
    target[offset + 1] = PREVIEW_NAN_RGB[1];
    target[offset + 2] = PREVIEW_NAN_RGB[2];
    return;
  }
  const span = high > low ? high - low : 1;
  const gray = Math.round(255 * Math.min(1, Math.max(0, (value - low) / span)));
  target[offset] = target[offset + 1] = target[offset + 2] = gray;
}
