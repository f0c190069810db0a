import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnhanceModelInfo, sha256Hex } from '@enhance/core';
import { createEnhanceModel, modelStatistics } from '../networks/enhance-model.js';
import { enhanceReferenceForward } from '../networks/enhance-reference.js';
import { initializeEnhanceWeights, type EnhanceWeights } from '../networks/enhance-weights.js';
import { readModel } from '../onnx/read-model.js';
import { calibrateActivations, type CalibrationBatch } from './calibrate-activations.js';
import { quantizationPlan, quantizeEnhanceModel } from './quantize-enhance-model.js';
import { quantizedEnhanceReference } from './quantized-reference.test-helper.js';
import { testImage } from './test-image.test-helper.js';

const architecture = { depth: 2, filters: 8 };

function rms(a: ArrayLike<number>, b?: ArrayLike<number>) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - (b ? b[i] : 0)) ** 2;
  return Math.sqrt(sum / a.length);
}

async function run(model: Uint8Array, image: { width: number; height: number; data: Float32Array }, optimizedModelFilePath?: string) {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    ...(optimizedModelFilePath ? { optimizedModelFilePath } : {}),
  });
  try {
    const result = await session.run({ image: new ort.Tensor('float32', image.data, [1, 1, image.height, image.width]) });
    return Float64Array.from(result.enhanced.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe('quantizeEnhanceModel', () => {
  let folder: string;
  let weights: EnhanceWeights;
  let fp32: Uint8Array;
  let int8: Uint8Array;
  let calibration: Awaited<ReturnType<typeof calibrateActivations>>;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'quantize-test-'));
    weights = initializeEnhanceWeights(architecture, { seed: 5, batchNorm: 'random', bias: 'random' });
    fp32 = createEnhanceModel({ kind: 'intensity', architecture, weights, foldBatchNorm: true, provenance: 'test weights' });
    weights = Object.fromEntries([...readModel(fp32).initializers].map(([name, t]) => [name, t.data as Float32Array]));
    const batches: CalibrationBatch[] = [0, 1, 2, 3].map((seed) => {
      const image = testImage(24, 24, seed + 10);
      return { dims: [1, 1, 24, 24], data: image.data };
    });
    const plan = quantizationPlan(fp32);
    calibration = await calibrateActivations(fp32, { tensors: plan.tensors, batches, runtime: ort, threads: 1 });
    int8 = quantizeEnhanceModel(fp32, {
      ranges: calibration.ranges({ method: 'minmax' }),
      channelMeans: calibration.channelMeans,
      calibration: { source: 'test images' },
      file: 'dir/small.onnx',
    });
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('plans integer convs for all but the default float32 layers', () => {
    const plan = quantizationPlan(fp32);
    expect(plan.float32Convs).toEqual(['conv_in', 'blocks.0.conv1', 'conv_out']);
    expect(plan.quantizedConvs).toEqual(['blocks.0.conv2', 'blocks.1.conv1', 'blocks.1.conv2', 'conv_mid', 'conv_up']);
    expect(plan.tensors).toEqual([
      'blocks.0.relu',
      'blocks.0.conv2',
      'blocks.0.add',
      'blocks.1.relu',
      'blocks.1.conv2',
      'blocks.1.add',
      'conv_mid',
      'skip.add',
      'conv_up.relu',
    ]);
  });

  it('is fused by onnxruntime into QLinearConv for every integer conv', async () => {
    const optimized = join(folder, 'optimized.onnx');
    await run(int8, testImage(20, 16, 3), optimized);
    const ops = readModel(new Uint8Array(readFileSync(optimized))).nodes.map((n) => n.opType);
    expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(5);
    // Only the float32 layers remain as float Convs (onnxruntime's NCHWc form included).
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(3);
  });

  it('computes the quantised arithmetic: onnxruntime matches a float64 simulation far closer than fp32', async () => {
    const image = testImage(31, 27, 99);
    const [quantized, float] = [await run(int8, image), await run(fp32, image)];
    const simulated = quantizedEnhanceReference(image, weights, architecture, {
      ranges: calibration.ranges({ method: 'minmax' }),
      channelMeans: calibration.channelMeans,
      upsampling: 'phases',
    }).data;
    const reference = enhanceReferenceForward(image, weights, architecture).data;
    const signal = rms(reference);
    const quantizationError = rms(simulated, reference) / signal;
    const kernelError = rms(quantized, simulated) / signal;
    // fp32 itself matches the float64 network to float32 rounding: the check can tell 1e-6 apart.
    expect(rms(float, reference) / signal).toBeLessThan(1e-5);
    // Measured: quantisation moves this small random network by 0.6% of its output, and onnxruntime's
    // integer kernels (QLinearConv with VNNI) agree with the float64 simulation to 5e-8: the graph computes
    // exactly the arithmetic it is meant to. 1% of the quantisation error leaves room for rounding ties
    // resolved differently by other CPUs' kernels.
    expect(quantizationError).toBeGreaterThan(1e-3);
    expect(quantizationError).toBeLessThan(0.02);
    expect(kernelError).toBeLessThan(0.01 * quantizationError);
    // The comparison can fail: a simulation without the bias correction is far off.
    const zeroMeans = new Map([...calibration.channelMeans].map(([name, means]) => [name, new Float64Array(means.length)]));
    const uncorrected = quantizedEnhanceReference(image, weights, architecture, {
      ranges: calibration.ranges({ method: 'minmax' }),
      channelMeans: zeroMeans,
      upsampling: 'phases',
    }).data;
    expect(rms(quantized, uncorrected) / signal).toBeGreaterThan(0.01 * quantizationError);
  });

  it('records precision, the fp32 model digest and the calibration in the metadata', () => {
    const info = readEnhanceModelInfo(int8, 'int8');
    expect(info.precision).toBe('int8');
    expect(info.kind).toBe('intensity');
    expect(info.receptiveFieldRadius).toBe(readEnhanceModelInfo(fp32, 'fp32').receptiveFieldRadius);
    expect(info.metadata.float32_model_sha256).toBe(sha256Hex(fp32));
    expect(info.metadata.float32_model).toBe('small.onnx');
    const quantization = JSON.parse(info.metadata.quantization);
    expect(quantization.calibration).toEqual({ source: 'test images' });
    expect(quantization.bias_correction).toBe(true);
    expect(Object.keys(quantization.ranges)).toEqual(quantizationPlan(fp32).tensors);
    expect(readEnhanceModelInfo(fp32, 'fp32').precision).toBe('fp32');
    // The graph itself still tells its cost and reach (what `enhance-graph inspect` prints).
    const [a, b] = [modelStatistics(int8), modelStatistics(fp32)];
    expect(a.multiplyAddsPerInputPixel).toBe(b.multiplyAddsPerInputPixel);
    expect(a.receptiveField).toBe(b.receptiveField);
  });

  it('names what is missing or wrong', () => {
    expect(() => quantizeEnhanceModel(fp32, { ranges: new Map() })).toThrow("no calibrated range for activation 'blocks.0.relu'");
    expect(() => quantizationPlan(fp32, { float32Layers: ['conv_nope'] })).toThrow(
      "float32 layer(s) 'conv_nope' are not Conv nodes of the model",
    );
    const separate = createEnhanceModel({ kind: 'intensity', architecture, seed: 1 });
    expect(() => quantizationPlan(separate)).toThrow(/cannot quantise op\(s\) .*BatchNormalization/);
  });
});
