import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedPlanes } from './plane-cache.js';

describe('cachedPlanes', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('computes once per key and returns identical planes from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enhance-cache-'));
    dirs.push(dir);
    let calls = 0;
    const compute = () => {
      calls += 1;
      return { planes: [{ width: 2, height: 1, data: Float64Array.from([Math.PI, -1e-300]) }], meta: { note: 'x' } };
    };
    const first = await cachedPlanes(dir, { key: 1 }, compute);
    const second = await cachedPlanes(dir, { key: 1 }, compute);
    expect(calls).toBe(1);
    expect(second.planes[0].data).toEqual(first.planes[0].data);
    expect(second.meta).toEqual({ note: 'x' });
    await cachedPlanes(dir, { key: 2 }, compute);
    expect(calls).toBe(2);
    expect((await readdir(dir)).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
  });
});
