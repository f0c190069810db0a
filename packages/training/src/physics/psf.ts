import { besselJ0, besselJ1 } from './bessel.js';
import { PhysicsError } from './physics-error.js';

const ARCSEC = Math.PI / (180 * 3600);

/** HMI's PSF, eq. 6 of the paper: (1−ε) exp(−(r/ω)²) + ε [1 + (r/W)^k]^(−1), with r = π D θ / λ. */
export interface HmiPsfModel {
  readonly kind: 'hmi';
  readonly epsilon: number;
  readonly omega: number;
  readonly k: number;
  readonly W: number;
  readonly apertureM: number;
  readonly wavelengthM: number;
}

/** Diffraction by a clear circular aperture: (2 J1(x)/x)², x = π D θ / λ. */
export interface AiryPsfModel {
  readonly kind: 'airy';
  readonly apertureM: number;
  readonly wavelengthM: number;
}

export type PsfModel = HmiPsfModel | AiryPsfModel;

export const HMI_APERTURE_M = 0.14;
export const HMI_WAVELENGTH_M = 6173e-10;

/** The parameters the paper trained with (ω = 2.0, W = 3.4): they match HMI quiet-Sun power spectra. */
export const HMI_PSF_PAPER: HmiPsfModel = Object.freeze({
  kind: 'hmi',
  epsilon: 0.1,
  omega: 2.0,
  k: 3,
  W: 3.4,
  apertureM: HMI_APERTURE_M,
  wavelengthM: HMI_WAVELENGTH_M,
});

/** Wachter et al. (2012)'s reference parameters. */
export const HMI_PSF_WACHTER: HmiPsfModel = Object.freeze({
  kind: 'hmi',
  epsilon: 0.1,
  omega: 1.8,
  k: 3,
  W: 3,
  apertureM: HMI_APERTURE_M,
  wavelengthM: HMI_WAVELENGTH_M,
});

/** The target of the networks: a diffraction-limited telescope of twice HMI's aperture. */
export const AIRY_28CM: AiryPsfModel = Object.freeze({ kind: 'airy', apertureM: 0.28, wavelengthM: HMI_WAVELENGTH_M });

export function validatePsfModel(model: PsfModel): void {
  const bad = (message: string) => new PhysicsError({ message, code: 'PHYSICS_ARGUMENT' });
  if (!(model.apertureM > 0) || !(model.wavelengthM > 0)) {
    throw bad(`PSF aperture (${model.apertureM} m) and wavelength (${model.wavelengthM} m) must be positive`);
  }
  if (model.kind === 'hmi') {
    if (!(model.epsilon >= 0 && model.epsilon <= 1)) throw bad(`HMI PSF epsilon must be in [0, 1], got ${model.epsilon}`);
    if (!(model.omega > 0) || !(model.W > 0)) throw bad(`HMI PSF omega (${model.omega}) and W (${model.W}) must be positive`);
    // The wing's encircled energy only converges for k > 2.
    if (!(model.k > 2)) throw bad(`HMI PSF k must exceed 2 for the wing energy to be finite, got ${model.k}`);
  }
}

/** The dimensionless radius r = π D θ / λ of an angle θ given in arcseconds. */
export function psfRadius(model: PsfModel, thetaArcsec: number): number {
  return (Math.PI * model.apertureM * thetaArcsec * ARCSEC) / model.wavelengthM;
}

/** The PSF's value at angular distance θ (arcsec) from its centre, peak-normalised (value 1 at θ = 0). */
export function psfValue(model: PsfModel, thetaArcsec: number): number {
  const r = psfRadius(model, thetaArcsec);
  if (model.kind === 'hmi') {
    const { epsilon, omega, k, W } = model;
    return (1 - epsilon) * Math.exp(-((r / omega) ** 2)) + epsilon / (1 + (r / W) ** k);
  }
  if (r < 1e-8) return 1;
  const amplitude = (2 * besselJ1(r)) / r;
  return amplitude * amplitude;
}

/**
 * The fraction of the PSF's total energy inside angular radius θ (arcsec). Airy: 1 − J0² − J1²
 * (Rayleigh). HMI: the Gaussian core in closed form; the wing numerically, over its
 * closed-form total 2π W² (π/k)/sin(2π/k).
 */
export function encircledEnergy(model: PsfModel, thetaArcsec: number): number {
  const r = psfRadius(model, thetaArcsec);
  if (model.kind === 'airy') {
    const j0 = besselJ0(r);
    const j1 = besselJ1(r);
    return 1 - j0 * j0 - j1 * j1;
  }
  const { epsilon, omega, k, W } = model;
  const coreTotal = (1 - epsilon) * Math.PI * omega * omega;
  const wingTotal = (epsilon * 2 * Math.PI * W * W * (Math.PI / k)) / Math.sin((2 * Math.PI) / k);
  const core = coreTotal * (1 - Math.exp(-((r / omega) ** 2)));
  // ∫0^r s/(1+(s/W)^k) ds = W² ∫0^U u/(1+u^k) du with U = r/W; Simpson's rule in t = ln(1+u), in
  // which the integrand is smooth from the core out to the far wing.
  const steps = 2000;
  const h = Math.log1p(r / W) / steps;
  let wingIntegral = 0;
  for (let i = 0; i <= steps; i++) {
    const u = Math.expm1(i * h);
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    wingIntegral += (weight * u * (u + 1)) / (1 + u ** k);
  }
  const wing = epsilon * 2 * Math.PI * W * W * wingIntegral * (h / 3);
  return (core + wing) / (coreTotal + wingTotal);
}

/** The smallest angular radius (arcsec) that encloses the given fraction of the PSF's energy. */
export function radiusForEnergy(model: PsfModel, energyFraction: number): number {
  if (!(energyFraction > 0 && energyFraction < 1)) {
    throw new PhysicsError({ message: `energy fraction must be in (0, 1), got ${energyFraction}`, code: 'PHYSICS_ARGUMENT' });
  }
  let high = 1;
  while (encircledEnergy(model, high) < energyFraction) high *= 2;
  let low = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (encircledEnergy(model, mid) < energyFraction) low = mid;
    else high = mid;
  }
  return high;
}
