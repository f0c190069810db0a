import { gaussianDeviate } from '@enhance/graph-builder';

/**
 * A small seeded generator (xoshiro128**) whose whole state is four 32-bit words, so a training run can
 * save it in a checkpoint and resume with exactly the same noise and patch sequence.
 */
export class SeededRandom {
  private readonly s: Uint32Array;

  private constructor(state: Uint32Array) {
    this.s = state;
  }

  /** Seeds the four state words with splitmix32 so that nearby seeds give unrelated streams. */
  static fromSeed(seed: number): SeededRandom {
    let x = seed >>> 0;
    const state = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      state[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (state.every((w) => w === 0)) state[0] = 1;
    return new SeededRandom(state);
  }

  static fromState(state: readonly number[]): SeededRandom {
    if (state.length !== 4 || state.every((w) => w === 0)) {
      throw new RangeError(`SeededRandom state must be four 32-bit words, not all zero; got [${state.join(', ')}]`);
    }
    return new SeededRandom(Uint32Array.from(state, (w) => w >>> 0));
  }

  /** The state to store; `fromState(rng.state())` continues the same stream. */
  state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (graph-builder's Box–Muller; one value per call keeps the state exactly four words). */
  normal(): number {
    return gaussianDeviate(() => this.next());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
