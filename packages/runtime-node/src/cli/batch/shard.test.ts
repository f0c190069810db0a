import { describe, expect, it } from 'vitest';
import { parseShard, selectShard, shardOf } from './shard.js';

const names = Array.from({ length: 1000 }, (_, k) => `hmi.Ic_45s.2014.01.01_${String(k).padStart(6, '0')}_TAI.2.continuum.fits`);

describe('shards', () => {
  it('n shards partition a list: every name in exactly one, whatever the order of the list', () => {
    for (const count of [1, 2, 3, 7, 16]) {
      const shards = Array.from({ length: count }, (_, index) => selectShard(names, { index, count }, (name) => name));
      expect(shards.flat().sort()).toEqual([...names].sort());
      const reversed = Array.from({ length: count }, (_, index) => selectShard([...names].reverse(), { index, count }, (name) => name));
      reversed.forEach((shard, index) => expect([...shard].reverse()).toEqual(shards[index]));
      // Roughly even: SHA-256 spreads names; no shard is empty or twice its share for 1000 names.
      for (const shard of shards) expect(shard.length).toBeGreaterThan((1000 / count) * 0.6);
    }
  });

  it('is the first 8 bytes of the SHA-256 of the name, modulo n: the same on any machine, in any language', () => {
    // printf %s <name> | sha256sum: ef4418ca7983254d... and 5e10389d62638a14...
    const magnetogram = 'hmi.M_45s.20140101_000000_TAI.2.magnetogram.fits';
    expect([2, 3, 16, 1000].map((count) => shardOf(magnetogram, count))).toEqual([1, 2, 13, 629]);
    expect([2, 3, 16, 1000].map((count) => shardOf('a.fits', count))).toEqual([0, 0, 4, 988]);
  });

  it('parses i/n and refuses what is not a shard', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('15/16')).toEqual({ index: 15, count: 16 });
    for (const bad of ['1/1', '-1/2', '2', '1/0', 'a/b', '1/2/3', ''])
      expect(() => parseShard(bad), bad).toThrow(/--shard .* is invalid: expected i\/n with 0 ≤ i < n/);
  });
});
