import { describe, expect, it } from 'vitest';
import { addGaussianNoise, createRandom } from './random.js';

describe('seeded noise', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
  });

  it('adds zero-mean noise of the requested standard deviation', () => {
    const data = new Float64Array(200_000).fill(1);
    addGaussianNoise(data, 0.01, createRandom(1));
    const mean = data.reduce((s, v) => s + v, 0) / data.length;
    const variance = data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length;
    expect(mean).toBeCloseTo(1, 4);
    expect(Math.sqrt(variance)).toBeCloseTo(0.01, 4);
    // Fourth moment of a Gaussian: 3σ⁴.
    const kurtosis = data.reduce((s, v) => s + (v - mean) ** 4, 0) / data.length / variance ** 2;
    expect(kurtosis).toBeCloseTo(3, 1);
  });
});
