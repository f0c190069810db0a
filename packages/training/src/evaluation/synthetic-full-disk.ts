import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FitsHeader } from '@enhance/core';
import { addGaussianNoise, createRandom, gaussianDeviate } from '@enhance/graph-builder';
import { cropPlane, type ImagePlane } from '../physics/image-plane.js';
import { rebinPlane } from '../physics/rebin.js';
import { degradePair, HMI_PIXEL_SCALE_ARCSEC, PAPER_DEGRADATION } from '../data/degrade-pair.js';
import { IMAX_FILE, IMAX_PIXEL_SCALE_ARCSEC, INPUT_NOISE_SIGMA, imaxFrameWithoutEdges } from '../data/load-training-set.js';
import { cachedPlanes } from '../data/plane-cache.js';
import { EvaluationError } from './evaluation-error.js';

/*
 * A synthetic full-disk continuum frame with HMI's geometry (radius 1900 px at 0.504"/px), for measuring
 * what the limb normalisation does: real quiet-Sun granulation (Sunrise/IMaX, never trained on) laid on a
 * sphere — foreshortened towards the limb by the orthographic projection — times a limb-darkening law,
 * then degraded exactly as the training inputs and targets are. A whole 3800² frame at the source
 * sampling would not fit in memory, so three windows are rendered and degraded at full resolution (a
 * strip across the east limb, a window at μ ≈ 0.75 and one at disk centre), and the full frame only at
 * the input grid with the granulation's statistics, for what a run on the whole frame would estimate:
 * the plain quiet-Sun level and the centre-to-limb profile.
 */

export const SYNTHETIC_DISK_RADIUS_PX = 1900;
/** Off-disk pixels are NaN beyond this many pixels outside the limb, as in HMI files (the near-limb frame's sky strip). */
export const SYNTHETIC_SKY_PX = 50;
/** Granulation is sampled at exactly twice IMaX's pixel (a 2×2 mean), fine enough for the 28 cm target. */
const SOURCE_SCALE_ARCSEC = 2 * IMAX_PIXEL_SCALE_ARCSEC;
/** Input pixels around each window rendered for the PSF's reach (35.6" at 99% of its energy ≈ 71 px). */
const WINDOW_MARGIN_PX = 72;
/** RMS contrast of HMI's quiet Sun at disk centre, for the input-grid frame's granulation (a Gaussian proxy). */
const FRAME_GRANULATION_CONTRAST = 0.035;
const CACHE_VERSION = 1;

/** Quadratic limb darkening, relative to disk centre: I(0.1) = 0.43, I(0) = 0.35, as HMI's continuum near the limb. */
export function syntheticLimbDarkening(mu: number): number {
  return 1 - 0.5 * (1 - mu) - 0.15 * (1 - mu) ** 2;
}

export interface SyntheticDiskWindow {
  readonly name: string;
  /** Top-left input pixel of the window in the full frame. */
  readonly x0: number;
  readonly y0: number;
  /** 0.504"/px, noise added as in training, NaN beyond the sky strip. */
  readonly input: ImagePlane;
  /** 0.252"/px, the 28 cm telescope's view. */
  readonly target: ImagePlane;
}

export interface SyntheticFullDisk {
  readonly width: number;
  readonly height: number;
  /** Disk centre in 0-based input pixels of the frame. */
  readonly centreX: number;
  readonly centreY: number;
  readonly radius: number;
  /** The whole frame at the input grid (limb darkening × Gaussian granulation proxy), for the normalisations' estimates. */
  readonly frame: Float32Array;
  /** The header that places the disk (helioprojective, CDELT 0.504"). */
  readonly header: FitsHeader;
  readonly windows: readonly SyntheticDiskWindow[];
}

/** The header keywords of a helioprojective frame whose disk centre is at 0-based pixel (cx, cy). */
export function diskHeader(centreX: number, centreY: number, radiusPx: number): FitsHeader {
  return new FitsHeader([
    { key: 'CTYPE1', value: 'HPLN-TAN' },
    { key: 'CTYPE2', value: 'HPLT-TAN' },
    { key: 'CUNIT1', value: 'arcsec' },
    { key: 'CUNIT2', value: 'arcsec' },
    { key: 'CRPIX1', value: centreX + 1 },
    { key: 'CRPIX2', value: centreY + 1 },
    { key: 'CRVAL1', value: 0 },
    { key: 'CRVAL2', value: 0 },
    { key: 'CDELT1', value: HMI_PIXEL_SCALE_ARCSEC },
    { key: 'CDELT2', value: HMI_PIXEL_SCALE_ARCSEC },
    { key: 'RSUN_OBS', value: radiusPx * HMI_PIXEL_SCALE_ARCSEC },
  ]);
}

/** Mirror-periodic index: the tile, then its mirror image, repeated (no seam). */
function mirrored(i: number, n: number): number {
  const period = 2 * n;
  const folded = ((i % period) + period) % period;
  return folded < n ? folded : period - 1 - folded;
}

function sampleTile(tile: ImagePlane, u: number, v: number): number {
  const x = Math.floor(u);
  const y = Math.floor(v);
  const fx = u - x;
  const fy = v - y;
  const at = (i: number, j: number) => tile.data[mirrored(j, tile.height) * tile.width + mirrored(i, tile.width)];
  return (1 - fy) * ((1 - fx) * at(x, y) + fx * at(x + 1, y)) + fy * ((1 - fx) * at(x, y + 1) + fx * at(x + 1, y + 1));
}

async function granulationTile(sharedDir: string): Promise<{ tile: ImagePlane; checksum: string }> {
  const path = join(sharedDir, 'data', 'train', IMAX_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new EvaluationError({
      message: 'cannot read the IMaX frame for the synthetic full disk',
      code: 'EVALUATION_INPUT',
      file: path,
      cause,
    });
  }
  const cropped = imaxFrameWithoutEdges(bytes);
  let mean = 0;
  for (const v of cropped.data) mean += v / cropped.data.length;
  const tile = rebinPlane(
    { ...cropped, data: cropped.data.map((v) => v / mean) },
    { inputScaleArcsec: IMAX_PIXEL_SCALE_ARCSEC, outputScaleArcsec: SOURCE_SCALE_ARCSEC },
  );
  return { tile, checksum: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The scene at source resolution over input pixels [x0, x0 + w) × [y0, y0 + h) of the frame: at each
 * source pixel, the point of the sphere seen there (orthographic projection from the frame's centre),
 * the granulation at that point of the surface (the tile laid out by arc length from disk centre), times
 * the limb darkening at its μ; 0 off the disk.
 */
function renderScene(
  tile: ImagePlane,
  disk: { cx: number; cy: number; radius: number },
  x0: number,
  y0: number,
  w: number,
  h: number,
): ImagePlane {
  const ratio = HMI_PIXEL_SCALE_ARCSEC / SOURCE_SCALE_ARCSEC;
  const width = Math.round(w * ratio);
  const height = Math.round(h * ratio);
  const data = new Float64Array(width * height);
  const radiusArcsec = disk.radius * HMI_PIXEL_SCALE_ARCSEC;
  for (let j = 0; j < height; j++) {
    // Source pixel centres in frame input-pixel coordinates (input pixel p spans [p − ½, p + ½]).
    const py = (y0 - 0.5 + (j + 0.5) / ratio - disk.cy) * HMI_PIXEL_SCALE_ARCSEC;
    for (let i = 0; i < width; i++) {
      const px = (x0 - 0.5 + (i + 0.5) / ratio - disk.cx) * HMI_PIXEL_SCALE_ARCSEC;
      const r = Math.hypot(px, py);
      if (r >= radiusArcsec) continue;
      const theta = Math.asin(r / radiusArcsec);
      const arc = r > 0 ? (radiusArcsec * theta) / r : 1;
      data[j * width + i] =
        syntheticLimbDarkening(Math.cos(theta)) * sampleTile(tile, (px * arc) / SOURCE_SCALE_ARCSEC, (py * arc) / SOURCE_SCALE_ARCSEC);
    }
  }
  return { width, height, data };
}

/** Builds (and caches under runs/cache) the synthetic full disk. */
export async function syntheticFullDisk(sharedDir: string, cacheDir: string | false): Promise<SyntheticFullDisk> {
  const radius = SYNTHETIC_DISK_RADIUS_PX;
  const size = 2 * (radius + SYNTHETIC_SKY_PX + 50);
  const cx = size / 2 - 0.5;
  const cy = size / 2 - 0.5;
  const layout = [
    { name: 'limb strip (east limb, μ 0–0.5)', x0: Math.round(cx - radius - 60), y0: Math.round(cy - 128), w: 320, h: 256 },
    {
      name: 'window at μ ≈ 0.75',
      x0: Math.round(cx + 0.6614 * radius * Math.SQRT1_2 - 128),
      y0: Math.round(cy + 0.6614 * radius * Math.SQRT1_2 - 128),
      w: 256,
      h: 256,
    },
    { name: 'disk centre (μ ≈ 1)', x0: Math.round(cx - 128), y0: Math.round(cy - 128), w: 256, h: 256 },
  ];
  const { tile, checksum } = await granulationTile(sharedDir);
  const windows: SyntheticDiskWindow[] = [];
  for (const [index, place] of layout.entries()) {
    const { planes } = await cachedPlanes(
      cacheDir,
      {
        CACHE_VERSION,
        kind: 'synthetic-full-disk',
        checksum,
        recipe: PAPER_DEGRADATION,
        radius,
        size,
        place,
        law: syntheticLimbDarkening.toString(),
      },
      () => {
        const m = WINDOW_MARGIN_PX;
        const scene = renderScene(tile, { cx, cy, radius }, place.x0 - m, place.y0 - m, place.w + 2 * m, place.h + 2 * m);
        const pair = degradePair(scene, { sourceScaleArcsec: SOURCE_SCALE_ARCSEC, boundary: 'reflect', file: 'synthetic full disk' });
        return {
          planes: [cropPlane(pair.input, m, m, place.w, place.h), cropPlane(pair.target, 2 * m, 2 * m, 2 * place.w, 2 * place.h)],
          meta: {},
        };
      },
    );
    const [input, target] = planes;
    const noisy = new Float32Array(input.data);
    addGaussianNoise(noisy, INPUT_NOISE_SIGMA.intensity, createRandom(1000 + index));
    const data = Float64Array.from(noisy);
    for (let y = 0; y < place.h; y++) {
      for (let x = 0; x < place.w; x++) {
        if (Math.hypot(place.x0 + x - cx, place.y0 + y - cy) > radius + SYNTHETIC_SKY_PX) data[y * place.w + x] = Number.NaN;
      }
    }
    windows.push({ name: place.name, x0: place.x0, y0: place.y0, input: { width: place.w, height: place.h, data }, target });
  }
  // The whole frame at the input grid: limb darkening × (1 + 3.5% Gaussian granulation proxy), NaN beyond the sky strip.
  const frame = new Float32Array(size * size);
  const normal = gaussianSource(17);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - cx, y - cy);
      frame[y * size + x] =
        r < radius
          ? syntheticLimbDarkening(Math.sqrt(1 - (r / radius) ** 2)) * (1 + FRAME_GRANULATION_CONTRAST * normal())
          : r <= radius + SYNTHETIC_SKY_PX
            ? 0.003
            : Number.NaN;
    }
  }
  return { width: size, height: size, centreX: cx, centreY: cy, radius, frame, header: diskHeader(cx, cy, radius), windows };
}

function gaussianSource(seed: number): () => number {
  const uniform = createRandom(seed);
  return () => gaussianDeviate(uniform);
}
