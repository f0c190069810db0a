import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rmsContrast } from '@enhance/core';
import { HMI_PSF_PAPER, HMI_PSF_WACHTER, type HmiPsfModel } from './psf.js';
import { convolvePlane } from './convolve.js';
import { rebinPlane } from './rebin.js';
import { samplePsfKernel } from './psf-kernel.js';
import type { ImagePlane } from './image-plane.js';
import { DEGRADATION_ENERGY_FRACTION, HMI_PIXEL_SCALE_ARCSEC } from '../data/degrade-pair.js';
import { MURAM_FILE, MURAM_PIXEL_SCALE_ARCSEC } from '../data/load-training-set.js';
import { readNpy } from '../data/read-npy.js';
import { azimuthalPowerSpectrum, logPowerRmsDifference, type PowerSpectrum } from './power-spectrum.js';

export const HMI_QUIET_SUN_FILE = 'hmi_qs_continuum_130x130.npy';
/** The band over which the spectra are compared, px⁻¹ at 0.504"/px: granulation down to near Nyquist. */
export const PSF_COMPARISON_BAND: readonly [number, number] = Object.freeze([0.05, 0.45]) as readonly [number, number];

export interface PsfSpectrumComparison {
  readonly hmi: PowerSpectrum;
  readonly degraded: Readonly<Record<'paper' | 'wachter', PowerSpectrum>>;
  /** RMS of log10(P_degraded / P_HMI) over PSF_COMPARISON_BAND. */
  readonly rmsLogRatio: Readonly<Record<'paper' | 'wachter', number>>;
  /** Granulation contrast σ/⟨I⟩ of each image at 0.504"/px. */
  readonly contrast: Readonly<Record<'hmi' | 'paper' | 'wachter', number>>;
  readonly better: 'paper' | 'wachter';
  readonly degradedImages: Readonly<Record<'paper' | 'wachter', ImagePlane>>;
  readonly hmiImage: ImagePlane;
}

async function readPlane(path: string, file: string): Promise<ImagePlane> {
  const array = readNpy(new Uint8Array(await readFile(path)), { file });
  const [height, width] = array.shape;
  return { width, height, data: Float64Array.from(array.data) };
}

/**
 * The paper's Fig. 4 check: the MURaM snapshot degraded with each HMI PSF (paper's ω 2.0 / W 3.4 and
 * Wachter's ω 1.8 / W 3) to 0.504"/px, against real HMI quiet Sun; each image divided by its mean,
 * Hann-windowed, azimuthally averaged power spectra.
 */
export async function comparePsfSpectra(sharedDir: string): Promise<PsfSpectrumComparison> {
  const muram = await readPlane(join(sharedDir, 'data', 'train', MURAM_FILE), MURAM_FILE);
  const hmiImage = await readPlane(join(sharedDir, 'data', 'calib', HMI_QUIET_SUN_FILE), HMI_QUIET_SUN_FILE);
  const degrade = (psf: HmiPsfModel) => {
    const kernel = samplePsfKernel(psf, {
      pixelScaleArcsec: MURAM_PIXEL_SCALE_ARCSEC,
      energyFraction: DEGRADATION_ENERGY_FRACTION,
      maxRadiusPx: muram.width,
    });
    return rebinPlane(convolvePlane(muram, kernel, 'periodic'), {
      inputScaleArcsec: MURAM_PIXEL_SCALE_ARCSEC,
      outputScaleArcsec: HMI_PIXEL_SCALE_ARCSEC,
    });
  };
  const degradedImages = { paper: degrade(HMI_PSF_PAPER), wachter: degrade(HMI_PSF_WACHTER) };
  const hmi = azimuthalPowerSpectrum(hmiImage);
  const degraded = { paper: azimuthalPowerSpectrum(degradedImages.paper), wachter: azimuthalPowerSpectrum(degradedImages.wachter) };
  const [low, high] = PSF_COMPARISON_BAND;
  const rmsLogRatio = {
    paper: logPowerRmsDifference(degraded.paper, hmi, low, high),
    wachter: logPowerRmsDifference(degraded.wachter, hmi, low, high),
  };
  return {
    hmi,
    degraded,
    rmsLogRatio,
    contrast: { hmi: rmsContrast(hmiImage), paper: rmsContrast(degradedImages.paper), wachter: rmsContrast(degradedImages.wachter) },
    better: rmsLogRatio.paper <= rmsLogRatio.wachter ? 'paper' : 'wachter',
    degradedImages,
    hmiImage,
  };
}
