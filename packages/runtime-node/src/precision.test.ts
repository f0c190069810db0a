import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EnhanceError, INT8_HELD_OUT_RMS_KEY, modelFileName } from '@enhance/core';
import {
  calibrateActivations,
  createEnhanceModel,
  initializeEnhanceWeights,
  quantizationPlan,
  quantizeEnhanceModel,
} from '@enhance/graph-builder';
import { createEnhancer } from './create-enhancer.js';

const architecture = { depth: 2, filters: 8 };

function image(width: number, height: number, seed: number) {
  const data = Float32Array.from({ length: width * height }, (_, i) => 1 + 0.1 * Math.sin(0.37 * i + seed) * Math.cos(0.011 * i));
  return { data, width, height };
}

describe("precision: 'fp32' | 'int8'", () => {
  let folder: string;
  let fp32: Uint8Array;
  let int8: Uint8Array;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'enhance-precision-'));
    fp32 = createEnhanceModel({
      kind: 'intensity',
      architecture,
      weights: initializeEnhanceWeights(architecture, { seed: 2, batchNorm: 'random', bias: 'random' }),
      foldBatchNorm: true,
      provenance: 'test weights',
    });
    const plan = quantizationPlan(fp32);
    const batches = [1, 2, 3].map((seed) => ({ dims: [1, 1, 32, 32] as const, data: image(32, 32, seed).data }));
    const calibration = await calibrateActivations(fp32, { tensors: plan.tensors, batches, runtime: ort, threads: 1 });
    int8 = quantizeEnhanceModel(fp32, { ranges: calibration.ranges({ method: 'minmax' }), channelMeans: calibration.channelMeans });
    writeFileSync(join(folder, modelFileName('intensity', 'full')), fp32);
    writeFileSync(join(folder, modelFileName('intensity', 'full', 'int8')), int8);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  it('picks the installed model of the precision asked for; fp32 by default', async () => {
    vi.stubEnv('ENHANCE_MODELS_DIR', folder);
    const byDefault = await createEnhancer({ kind: 'intensity', device: 'cpu', threads: 1 });
    const quantized = await createEnhancer({ kind: 'intensity', device: 'cpu', threads: 1, precision: 'int8' });
    expect(byDefault.info.precision).toBe('fp32');
    expect(byDefault.info.source).toBe(join(folder, 'enhance-intensity.onnx'));
    expect(quantized.info.precision).toBe('int8');
    expect(quantized.info.source).toBe(join(folder, 'enhance-intensity-int8.onnx'));
    const [a, b] = [await byDefault.enhance(image(40, 30, 9), { scale: 1 }), await quantized.enhance(image(40, 30, 9), { scale: 1 })];
    let difference = 0;
    let reference = 0;
    for (let i = 0; i < a.image.data.length; i++) {
      difference += (b.image.data[i] - a.image.data[i]) ** 2;
      reference += a.image.data[i] ** 2;
    }
    // A different network within the quantisation error (measured ~0.5% for this random one), not a copy.
    expect(Math.sqrt(difference / reference)).toBeGreaterThan(1e-4);
    expect(Math.sqrt(difference / reference)).toBeLessThan(0.03);
    await Promise.all([byDefault.dispose(), quantized.dispose()]);
  });

  it("warns when the int8 model's own held-out check exceeds the 0.5% bound", async () => {
    const plan = quantizationPlan(fp32);
    const ranges = new Map(plan.tensors.map((name) => [name, { min: -4, max: 4 }]));
    const rough = quantizeEnhanceModel(fp32, { ranges, metadata: { [INT8_HELD_OUT_RMS_KEY]: '0.0213' } });
    const warnings: string[] = [];
    const enhancer = await createEnhancer({
      kind: 'intensity',
      model: rough,
      device: 'cpu',
      threads: 1,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toContain(
      'bytes: this int8 model differs from its fp32 model by 2.13% RMS on held-out patches (more than 0.5%): a fast preview, not for science; see the model card',
    );
    await enhancer.dispose();
    // Just above the bound, the figure still shows that it is above.
    const close = quantizeEnhanceModel(fp32, { ranges, metadata: { [INT8_HELD_OUT_RMS_KEY]: '0.00506' } });
    const closeWarnings: string[] = [];
    await (
      await createEnhancer({ kind: 'intensity', model: close, device: 'cpu', threads: 1, onWarning: (m) => closeWarnings.push(m) })
    ).dispose();
    expect(closeWarnings.some((m) => m.includes('by 0.51% RMS on held-out patches (more than 0.5%)'))).toBe(true);
    const quiet: string[] = [];
    await (await createEnhancer({ kind: 'intensity', model: int8, device: 'cpu', threads: 1, onWarning: (m) => quiet.push(m) })).dispose();
    expect(quiet.filter((m) => m.includes('int8'))).toEqual([]);
  });

  it('refuses a model file of the other precision, an unknown precision, and says how to make a missing int8 model', async () => {
    const mismatch = await createEnhancer({ kind: 'intensity', model: fp32, precision: 'int8' }).catch((e: unknown) => e);
    expect(EnhanceError.isInstance(mismatch) && mismatch.code).toBe('MODEL_PRECISION_MISMATCH');
    expect((mismatch as Error).message).toBe('bytes: the model is fp32, not the requested int8');
    await expect(createEnhancer({ kind: 'intensity', model: int8, precision: 'fp16' as never })).rejects.toThrow(
      `option precision = "fp16" is invalid: expected 'fp32' | 'int8'`,
    );
    vi.stubEnv('ENHANCE_MODELS_DIR', join(folder, 'nothing-here'));
    await expect(createEnhancer({ kind: 'blos', variant: 'lite', precision: 'int8' })).rejects.toThrow(
      "no trained blos model (lite, int8) is installed; give a model file (the 'model' option, or --model on the command line), or regenerate the int8 models with npm run quantize",
    );
  });
});
