/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded generator (mulberry32: 32-bit state, period 2³²), so training sets, patch draws and noise
 * are reproducible from one integer.
 */
export function createRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box–Muller; 1 − u keeps the logarithm finite). */
export function gaussianDeviate(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Adds N(0, sigma²) noise to every element, in place. */
export function addGaussianNoise(data: Float32Array | Float64Array, sigma: number, random: RandomSource): void {
  if (sigma === 0) return;
  for (let i = 0; i < data.length; i++) data[i] += sigma * gaussianDeviate(random);
}
