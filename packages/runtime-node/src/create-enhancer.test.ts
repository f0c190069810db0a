import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnhanceError, FitsHeader, NoDeviceAvailableError, UnknownDeviceError, clearDeviceFailures } from '@enhance/core';
import type { Architecture, EnhanceKind, EnhanceProgressEvent } from '@enhance/core';
import { createEnhanceModel, enhanceReferenceForward, initializeEnhanceWeights } from '@enhance/graph-builder';
import { createEnhancer } from './create-enhancer.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');

/** Small odd architectures keep the tests fast; random BN statistics and biases make every term matter. */
const SMALL: Architecture = { depth: 2, filters: 8 };

function randomModel(kind: EnhanceKind, architecture: Architecture, seed: number) {
  const weights = initializeEnhanceWeights(architecture, { seed, batchNorm: 'random', bias: 'random' });
  return { weights, bytes: createEnhanceModel({ kind, architecture, weights }) };
}

/** The model with one metadata entry replaced, re-encoded by protobufjs. */
function withMetadata(bytes: Uint8Array, key: string, value: string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  model.metadataProps = model.metadataProps.filter((entry) => entry.key !== key);
  model.metadataProps.push(onnx.StringStringEntryProto.create({ key, value }));
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic smooth-plus-noise image around `level`, with NaN at the given pixels. */
function testImage(width: number, height: number, level: number, nanPixels: number[] = []) {
  let state = 12345;
  const noise = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const data = Float32Array.from({ length: width * height }, (_, i) => level * (1 + 0.2 * Math.sin(i * 0.37) + 0.1 * noise()));
  for (const index of nanPixels) data[index] = Number.NaN;
  return { data, width, height };
}

function maxAbsDifference(a: Float32Array, b: ArrayLike<number>) {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { worst, scale };
}

const quiet = () => undefined;

describe('createEnhancer: tiling', () => {
  it.each([
    ['intensity', SMALL, 37, 29],
    ['blos', { depth: 1, filters: 5 }, 23, 41],
    ['intensity', { depth: 3, filters: 4 }, 50, 9],
  ] as const)(
    'tiled output equals the whole-image output (%s %o, %i×%i, forced small tiles)',
    async (kind, architecture, width, height) => {
      const { bytes } = randomModel(kind, architecture, 7);
      const image = testImage(width, height, kind === 'blos' ? 800 : 3000, [0, width + 3, width * height - 1]);
      const whole = await createEnhancer({ kind, model: bytes, device: 'cpu', tileSize: 4096 });
      const halo = whole.info.receptiveFieldRadius;
      expect(halo).toBe(2 * architecture.depth + 3);
      const tiled = await createEnhancer({ kind, model: bytes, device: 'cpu', tileSize: 2 * halo + 3 });
      const a = await whole.enhance(image);
      const b = await tiled.enhance(image);
      expect(a.tiles).toBe(1);
      expect(b.tiles).toBeGreaterThan(4);
      const { worst, scale } = maxAbsDifference(b.image.data, a.image.data);
      expect(worst).toBeLessThanOrEqual(2e-6 * scale);
      await Promise.all([whole.dispose(), tiled.dispose()]);
    },
  );

  it('chooses tiles from the memory budget, with the same result', async () => {
    const { bytes } = randomModel('intensity', SMALL, 3);
    const image = testImage(120, 90, 1);
    const small = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu', maxMemoryMB: 0.5 });
    const large = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu' });
    const a = await small.enhance(image);
    const b = await large.enhance(image);
    expect(b.tiles).toBe(1);
    // 0.5 MiB / (72 B × 8 filters) = 910 pixels per tile at most: many tiles.
    expect(a.tiles).toBeGreaterThan(20);
    const { worst, scale } = maxAbsDifference(a.image.data, b.image.data);
    expect(worst).toBeLessThanOrEqual(2e-6 * scale);
  });

  it('differs when the halo is smaller than the context radius (the check can fail)', async () => {
    const { bytes } = randomModel('intensity', SMALL, 5);
    const understated = withMetadata(bytes, 'receptive_field', '7'); // a width: ±3 px instead of ±7
    const image = testImage(40, 40, 1);
    const whole = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu' });
    const cut = await createEnhancer({ kind: 'intensity', model: understated, device: 'cpu', tileSize: 12 });
    expect(cut.info.receptiveFieldRadius).toBe(3);
    const { worst, scale } = maxAbsDifference((await cut.enhance(image)).image.data, (await whole.enhance(image)).image.data);
    expect(worst).toBeGreaterThan(1e-3 * scale);
  });
});

describe('createEnhancer: units, NaN and the float64 reference', () => {
  it.each(['intensity', 'blos'] as const)('%s: output = scale × network(input / scale), NaN pixels → NaN 2×2 blocks', async (kind) => {
    const architecture = { depth: 1, filters: 6 };
    const { bytes, weights } = randomModel(kind, architecture, 11);
    const width = 13;
    const height = 11;
    const nan = [0, 20, 77, width * height - 2];
    const image = testImage(width, height, kind === 'blos' ? -600 : 42_000, nan);
    const enhancer = await createEnhancer({ kind, model: bytes, device: 'cpu', tileSize: 2 * 5 + 2 });
    const result = await enhancer.enhance(image);
    if (kind === 'blos') expect(result.scale).toBe(1000);
    else expect(result.scale / 42_000).toBeGreaterThan(0.9);

    const filled = Float64Array.from(image.data, (v) => (Number.isFinite(v) ? v / result.scale : 0));
    const reference = enhanceReferenceForward({ width, height, data: filled }, weights, architecture);
    const expected = Float64Array.from(reference.data, (v) => v * result.scale);
    for (const index of nan) {
      const x = index % width;
      const y = Math.floor(index / width);
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ])
        expected[(2 * y + dy) * 2 * width + 2 * x + dx] = Number.NaN;
    }
    expect(result.image.data.map((v) => (Number.isNaN(v) ? 1 : 0)).reduce((a, b) => a + b, 0)).toBe(4 * nan.length);
    const { worst, scale } = maxAbsDifference(result.image.data, expected);
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    await enhancer.dispose();
  });

  it('intensity with scale auto is equivariant: enhance(c·x) = c·enhance(x)', async () => {
    const { bytes } = randomModel('intensity', SMALL, 13);
    const enhancer = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu' });
    const image = testImage(30, 20, 1.3);
    const c = 48_000;
    const a = await enhancer.enhance(image);
    const b = await enhancer.enhance({ ...image, data: image.data.map((v) => v * c) });
    expect(b.scale / a.scale).toBeCloseTo(c, 0);
    const { worst, scale } = maxAbsDifference(
      b.image.data,
      a.image.data.map((v) => v * c),
    );
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    const fixed = await enhancer.enhance(image, { scale: 2 });
    expect(fixed.scale).toBe(2);
  });

  it('updates the FITS header of a SolarImage and keeps a plain image plain', async () => {
    const { bytes } = randomModel('intensity', SMALL, 1);
    const enhancer = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu' });
    const header = new FitsHeader().with('NAXIS', 2).with('NAXIS1', 8).with('NAXIS2', 6).with('CRPIX1', 4).with('CDELT1', 0.504);
    const result = await enhancer.enhance({ ...testImage(8, 6, 1), header }, { history: ['extra history line'] });
    expect(result.image.header.get('NAXIS1')).toBe(16);
    expect(result.image.header.get('CRPIX1')).toBe(7.5);
    expect(result.image.header.get('CDELT1')).toBe(0.252);
    const history = result.image.header.cards.filter((c) => c.key === 'HISTORY').map((c) => String(c.value ?? c.comment ?? ''));
    expect(history.join(' ')).toContain('device cpu');
    expect(history.join(' ')).toContain('extra history line');
    const plain = await enhancer.enhance(testImage(8, 6, 1));
    expect('header' in plain.image).toBe(false);
  });
});

describe('createEnhancer: devices, models, errors, progress', () => {
  it("'auto' on a CPU-only install uses the CPU without a warning; --device cuda still fails with the reason", async () => {
    clearDeviceFailures();
    const { bytes } = randomModel('intensity', SMALL, 1);
    // Where onnxruntime-node's install script puts the CUDA provider (script/install-metadata.js), found here
    // independently of the code under test.
    const binding = createRequire(import.meta.url).resolve(
      `onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
    );
    const cudaInstalled = existsSync(
      join(dirname(binding), process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'),
    );
    const warnings: string[] = [];
    const enhancer = await createEnhancer({ kind: 'intensity', model: bytes, onWarning: (m) => warnings.push(m) });
    const deviceWarnings = warnings.filter((m) => m.includes('device'));
    if (cudaInstalled) {
      // Installed: CUDA runs, or its failure (no driver, no cuDNN) is worth the one line.
      if (enhancer.device === 'cuda') expect(deviceWarnings).toEqual([]);
      else expect(deviceWarnings).toEqual([expect.stringMatching(/^device 'cuda' unavailable \(\[cuda\] .+\); using 'cpu'$/)]);
    } else {
      expect(enhancer.device).toBe('cpu');
      expect(deviceWarnings).toEqual([]);
      expect(enhancer.deviceFailures).toEqual([{ device: 'cuda', reason: expect.stringContaining('CUDA provider is not installed') }]);
      await expect(createEnhancer({ kind: 'intensity', model: bytes, device: 'cuda' })).rejects.toBeInstanceOf(NoDeviceAvailableError);
    }
    await enhancer.dispose();
  });

  it('rejects unknown devices and bad options with the allowed values', async () => {
    const { bytes } = randomModel('intensity', SMALL, 1);
    await expect(createEnhancer({ kind: 'intensity', model: bytes, device: 'tpu' as never })).rejects.toThrow(
      `device "tpu" is not available on node: expected one of 'auto', 'cpu', 'cuda', 'webgpu'`,
    );
    await expect(createEnhancer({ kind: 'intensity', model: bytes, device: 'wasm' })).rejects.toBeInstanceOf(UnknownDeviceError);
    await expect(createEnhancer({ kind: 'magnetic' as never, model: bytes })).rejects.toThrow(
      `option kind = "magnetic" is invalid: expected 'intensity' | 'blos'`,
    );
    await expect(createEnhancer({ kind: 'intensity', model: bytes, tileSize: 10 })).rejects.toThrow(
      'option tileSize = 10 is invalid: expected an integer ≥ 15 for this model (context radius 7 px on each side, plus one)',
    );
    await expect(createEnhancer({ kind: 'intensity', model: bytes, threads: -1 })).rejects.toThrow('option threads = -1 is invalid');
  });

  it('refuses a model of the other kind, naming both', async () => {
    const { bytes } = randomModel('blos', SMALL, 1);
    const error = await createEnhancer({ kind: 'intensity', model: bytes }).catch((e: unknown) => e);
    expect(EnhanceError.isInstance(error)).toBe(true);
    expect((error as EnhanceError).code).toBe('MODEL_KIND_MISMATCH');
    expect((error as Error).message).toBe("bytes: the model enhances 'blos' images, not 'intensity'");
  });

  it('rejects images it cannot enhance', async () => {
    const { bytes } = randomModel('intensity', SMALL, 1);
    const enhancer = await createEnhancer({ kind: 'intensity', model: bytes, device: 'cpu', onWarning: quiet });
    await expect(enhancer.enhance({ data: new Float32Array(3), width: 3, height: 1 })).rejects.toThrow('a 3×1 image is too small');
    await expect(enhancer.enhance({ data: new Float32Array(5), width: 2, height: 2 })).rejects.toThrow(
      'image data has 5 values for 2×2 = 4 pixels',
    );
    await expect(enhancer.enhance({ data: new Float32Array(4).fill(Number.NaN), width: 2, height: 2 })).rejects.toThrow(
      'every pixel of the 2×2 image is NaN or infinite',
    );
    await enhancer.dispose();
    await expect(enhancer.enhance(testImage(4, 4, 1))).rejects.toThrow('the enhancer was disposed');
  });

  it('reports progress by status and stops when aborted', async () => {
    const { bytes } = randomModel('intensity', SMALL, 1);
    const events: EnhanceProgressEvent[] = [];
    const enhancer = await createEnhancer({
      kind: 'intensity',
      model: bytes,
      device: 'cpu',
      tileSize: 20,
      onProgress: (e) => events.push(e),
    });
    const result = await enhancer.enhance(testImage(30, 30, 1));
    expect(events[0]).toEqual({ status: 'loading', source: 'bytes' });
    expect(events[1]).toEqual({ status: 'ready', device: 'cpu', source: 'bytes' });
    const progress = events.filter((e) => e.status === 'progress');
    expect(progress.map((e) => (e.status === 'progress' ? e.loaded : -1))).toEqual(Array.from({ length: result.tiles + 1 }, (_, i) => i));
    expect(events[events.length - 1]).toMatchObject({ status: 'done', tiles: result.tiles });

    const controller = new AbortController();
    const aborted = enhancer.enhance(testImage(30, 30, 1), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.status === 'progress' && e.loaded === 2) controller.abort();
      },
    });
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
