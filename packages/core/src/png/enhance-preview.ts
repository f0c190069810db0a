import { EnhanceError } from '../errors/index.js';
import type { EnhanceKind } from '../kinds.js';
import { encodePng } from './encode-png.js';
import type { PngPixels } from './encode-png.js';

interface PreviewImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
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

/** Input (nearest ×2) and output side by side with a shared gray scale, as an RGB PNG. */
export function renderEnhancePreview(options: EnhancePreviewOptions): Uint8Array {
  return encodePng(enhancePreviewPixels(options));
}

/** The preview's pixels before PNG encoding. */
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
  const [low, high] = kind === 'blos' ? [-PREVIEW_BLOS_RANGE_GAUSS, PREVIEW_BLOS_RANGE_GAUSS] : intensityRange(input, output);
  const span = high > low ? high - low : 1;

  const width = 2 * shownWidth + GAP_PIXELS;
  const data = new Uint8Array(width * shownHeight * 3).fill(GAP_GRAY);
  const paint = (panelX0: number, sample: (x: number, y: number) => number) => {
    for (let y = 0; y < shownHeight; y++) {
      for (let x = 0; x < shownWidth; x++) {
        const value = sample(x * step, y * step);
        const at = (y * width + panelX0 + x) * 3;
        if (Number.isNaN(value)) {
          data[at] = PREVIEW_NAN_RGB[0];
          data[at + 1] = PREVIEW_NAN_RGB[1];
          data[at + 2] = PREVIEW_NAN_RGB[2];
        } else {
          const gray = Math.round(255 * Math.min(1, Math.max(0, (value - low) / span)));
          data[at] = data[at + 1] = data[at + 2] = gray;
        }
      }
    }
  };
  paint(0, (x, y) => input.data[(y >> 1) * input.width + (x >> 1)]);
  paint(shownWidth + GAP_PIXELS, (x, y) => output.data[y * output.width + x]);
  return { width, height: shownHeight, channels: 3, data };
}

function intensityRange(...images: PreviewImage[]): [number, number] {
  const samples: number[] = [];
  for (const image of images) {
    const stride = Math.max(1, Math.floor(image.data.length / 500_000));
    for (let i = 0; i < image.data.length; i += stride) if (Number.isFinite(image.data[i])) samples.push(image.data[i]);
  }
  if (samples.length === 0) return [0, 1];
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number) => sorted[Math.round(fraction * (sorted.length - 1))];
  return [at(PREVIEW_INTENSITY_PERCENTILES[0]), at(PREVIEW_INTENSITY_PERCENTILES[1])];
}
