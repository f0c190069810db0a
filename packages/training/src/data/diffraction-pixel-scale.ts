import type { ImagePlane } from '../physics/image-plane.js';
import { azimuthalPowerSpectrum } from '../physics/power-spectrum.js';

const ARCSEC_PER_RADIAN = (180 * 3600) / Math.PI;

export interface DiffractionScaleEstimate {
  /** Cut-off of a clear circular aperture, D/λ, in cycles per arcsec. */
  readonly diffractionCutoffPerArcsec: number;
  /** The noise floor: median azimuthal power beyond `noiseFromFrequency`. */
  readonly noiseFloor: number;
  /** The highest frequency (px⁻¹) below which the spectrum stays above `threshold` × noise floor. */
  readonly signalCutoffPerPixel: number;
  /**
   * The pixel scale at which the signal cut-off equals the diffraction cut-off. Seeing and the finite
   * signal-to-noise ratio end the signal at or before the diffraction limit, so this is a lower bound
   * on the true pixel scale: p ≥ f_signal[px⁻¹] / (D/λ)[arcsec⁻¹].
   */
  readonly minimumPixelScaleArcsec: number;
}

/**
 * Bounds an image's pixel scale from its power spectrum: a telescope of aperture D passes no spatial
 * frequency above D/λ, so the frequency where the signal sinks into the (white) noise floor, in px⁻¹,
 * fixes the arcsec per pixel at which that frequency would be the diffraction limit.
 */
export function estimateDiffractionPixelScale(
  image: ImagePlane,
  options: { apertureM: number; wavelengthM: number; threshold?: number; noiseFromFrequency?: number },
): DiffractionScaleEstimate {
  const { apertureM, wavelengthM, threshold = 1.5, noiseFromFrequency = 0.55 } = options;
  const spectrum = azimuthalPowerSpectrum(image, { normalise: 'none', window: 'hann' });
  const tail = Array.from(spectrum.power.filter((_, i) => spectrum.frequency[i] >= noiseFromFrequency)).sort((a, b) => a - b);
  const noiseFloor = tail[Math.floor(tail.length / 2)];
  // Three-bin running mean: single rings scatter by ~10% at these frequencies.
  let signalCutoffPerPixel = spectrum.frequency[spectrum.frequency.length - 1];
  for (let i = 2; i < spectrum.power.length - 1; i++) {
    const smoothed = (spectrum.power[i - 1] + spectrum.power[i] + spectrum.power[i + 1]) / 3;
    if (smoothed < threshold * noiseFloor) {
      signalCutoffPerPixel = spectrum.frequency[i];
      break;
    }
  }
  const diffractionCutoffPerArcsec = apertureM / wavelengthM / ARCSEC_PER_RADIAN;
  return {
    diffractionCutoffPerArcsec,
    noiseFloor,
    signalCutoffPerPixel,
    minimumPixelScaleArcsec: signalCutoffPerPixel / diffractionCutoffPerArcsec,
  };
}
