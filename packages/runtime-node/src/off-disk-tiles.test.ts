import { describe, expect, it } from 'vitest';
import { createEnhancerWithBackend } from '@enhance/core';
import type { EnhanceBackend, EnhanceProgressEvent } from '@enhance/core';
import { createEnhanceModel, initializeEnhanceWeights } from '@enhance/graph-builder';
import { nodeBackend } from './node-backend.js';

/** onnxruntime-node, with every session.run counted. */
function countingBackend(): { backend: EnhanceBackend; runs: () => number } {
  let runs = 0;
  const backend: EnhanceBackend = {
    ...nodeBackend,
    InferenceSession: {
      create: (async (...args: Parameters<typeof nodeBackend.InferenceSession.create>) => {
        const session = await nodeBackend.InferenceSession.create(...args);
        const run = session.run.bind(session);
        return Object.assign(session, {
          run: (...runArgs: Parameters<typeof run>) => {
            runs++;
            return run(...runArgs);
          },
        });
      }) as typeof nodeBackend.InferenceSession.create,
    },
  };
  return { backend, runs: () => runs };
}

/** A disk of radius r centred in a width×height frame, NaN outside, granulation-like values inside. */
function fullDisk(width: number, height: number, radius: number) {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - width / 2 + 0.5, y - height / 2 + 0.5);
      data[y * width + x] = r > radius ? Number.NaN : 1 - 0.3 * (r / radius) ** 2 + 0.05 * Math.sin(x * 1.3) * Math.cos(y * 0.7);
    }
  }
  return { data, width, height };
}

describe('off-disk tiles', () => {
  it('runs only tiles over the disk; the tiled output still equals the whole-image output', async () => {
    const architecture = { depth: 2, filters: 8 };
    const weights = initializeEnhanceWeights(architecture, { seed: 3, batchNorm: 'random', bias: 'random' });
    const bytes = createEnhanceModel({ kind: 'intensity', architecture, weights });
    const image = fullDisk(90, 80, 30);

    const whole = await createEnhancerWithBackend(nodeBackend, { kind: 'intensity', model: bytes, device: 'cpu', tileSize: 4096 });
    const reference = await whole.enhance(image, { scale: 1 });
    expect(reference.tiles).toBe(1);

    const { backend, runs } = countingBackend();
    const events: EnhanceProgressEvent[] = [];
    const halo = whole.info.receptiveFieldRadius;
    const tiled = await createEnhancerWithBackend(backend, { kind: 'intensity', model: bytes, device: 'cpu', tileSize: 2 * halo + 6 });
    const result = await tiled.enhance(image, { scale: 1, onProgress: (event) => events.push(event) });
    expect(runs()).toBe(result.tiles - result.tilesSkipped);

    // The cores hug the disk: fewer session runs than for the same frame without NaN, and none is an
    // all-NaN window.
    const finite = { ...image, data: image.data.map((v) => (Number.isNaN(v) ? 0.2 : v)) };
    const before = runs();
    const all = await tiled.enhance(finite, { scale: 1 });
    expect(all.tilesSkipped).toBe(0);
    expect(runs() - before).toBe(all.tiles);
    expect(result.tiles - result.tilesSkipped).toBeLessThan(0.8 * all.tiles);
    const last = events.filter((e) => e.status === 'progress').pop();
    expect(last).toEqual({ status: 'progress', loaded: result.tiles, total: result.tiles, unit: 'tiles' });

    let worst = 0;
    let scale = 0;
    for (let i = 0; i < reference.image.data.length; i++) {
      const a = result.image.data[i];
      const b = reference.image.data[i];
      expect(Number.isNaN(a)).toBe(Number.isNaN(b));
      if (Number.isNaN(b)) continue;
      worst = Math.max(worst, Math.abs(a - b));
      scale = Math.max(scale, Math.abs(b));
    }
    expect(worst).toBeLessThanOrEqual(2e-6 * scale);

    await Promise.all([whole.dispose(), tiled.dispose()]);
  });
});
