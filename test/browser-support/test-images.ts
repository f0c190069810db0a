import { FitsHeader, writeFits } from '@enhance/core';
import type { EnhanceKind, SolarImage } from '@enhance/core';
import { createEnhanceModel, initializeEnhanceWeights } from '@enhance/graph-builder';

/** A random-weight model; random batch-norm statistics and biases make every term of the network matter. */
export function randomModel(kind: EnhanceKind, architecture: { depth: number; filters: number }, seed: number): Uint8Array {
  const weights = initializeEnhanceWeights(architecture, { seed, batchNorm: 'random', bias: 'random' });
  return createEnhanceModel({ kind, architecture, weights });
}

/**
 * A deterministic HMI-like image with a header: granulation-like ripples around 5·10⁴ DN/s for
 * intensity, a bipole of ±1.5 kG on a weak noisy background for magnetograms; NaN at the given pixels.
 */
export function testSolarImage(kind: EnhanceKind, width: number, height: number, nanPixels: number[] = []): SolarImage {
  let state = 987654321;
  const noise = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ripple = Math.sin(0.9 * x) * Math.cos(0.7 * y) + 0.5 * noise();
      if (kind === 'intensity') {
        data[y * width + x] = 50_000 * (1 + 0.04 * ripple);
      } else {
        const blob = (cx: number, cy: number) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.02 * width * height));
        data[y * width + x] = 1500 * (blob(width / 3, height / 2) - blob((2 * width) / 3, height / 2)) + 20 * ripple;
      }
    }
  }
  for (const index of nanPixels) data[index] = Number.NaN;
  const header = new FitsHeader()
    .with('TELESCOP', 'SDO/HMI')
    .with('BUNIT', kind === 'intensity' ? 'DN/s' : 'Gauss')
    .with('CTYPE1', 'HPLN-TAN')
    .with('CTYPE2', 'HPLT-TAN')
    .with('CUNIT1', 'arcsec')
    .with('CUNIT2', 'arcsec')
    .with('CDELT1', 0.504)
    .with('CDELT2', 0.504)
    .with('CRPIX1', (width + 1) / 2)
    .with('CRPIX2', (height + 1) / 2)
    .with('CRVAL1', 120.5)
    .with('CRVAL2', -240.25)
    .with('DSUN_OBS', 1.5e11);
  return { data, width, height, header };
}

export function fitsBytes(image: SolarImage): Uint8Array {
  return writeFits(image);
}

/** Largest |a − b| over pixels finite in both, relative to the largest |b|; NaN must match NaN. */
export function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): { relative: number; nanMismatches: number } {
  let worst = 0;
  let scale = 0;
  let nanMismatches = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) nanMismatches++;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return { relative: scale === 0 ? worst : worst / scale, nanMismatches };
}
