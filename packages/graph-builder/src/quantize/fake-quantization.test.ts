import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder/graph-builder.js';
import { appendGradients } from '../autodiff/autodiff.js';
import { createEnhanceModel } from '../networks/enhance-model.js';
import { buildEnhanceNetwork } from '../networks/enhance-network.js';
import { initializeEnhanceWeights, type EnhanceWeights } from '../networks/enhance-weights.js';
import { readModel } from '../onnx/read-model.js';
import { runOnnx } from '../testing/run-onnx.js';
import { calibrateActivations, type CalibrationBatch } from './calibrate-activations.js';
import { fakeQuantizeActivation, fakeQuantizeWeights } from './fake-quantization.js';
import { activationQuantization, quantizeWeightsPerChannel, type ActivationRange } from './quantization-parameters.js';
import { quantizationPlan, quantizeEnhanceModel } from './quantize-enhance-model.js';
import { testImage } from './test-image.test-helper.js';

const architecture = { depth: 2, filters: 8 };

const image = (size: number, seed: number) => testImage(size, size, seed).data;

async function enhance(model: Uint8Array, image: Float32Array, size: number): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const result = await session.run({ image: new ort.Tensor('float32', image, [1, 1, size, size]) });
    return Float64Array.from(result[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}

const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
};

describe('fake quantisation of an Enhance network', () => {
  let weights: EnhanceWeights;
  let fp32: Uint8Array;
  let ranges: Map<string, ActivationRange>;

  beforeAll(async () => {
    const trained = initializeEnhanceWeights(architecture, { seed: 5 });
    fp32 = createEnhanceModel({ kind: 'intensity', architecture, weights: trained, foldBatchNorm: true, provenance: 'test weights' });
    weights = Object.fromEntries([...readModel(fp32).initializers].map(([name, t]) => [name, t.data as Float32Array]));
    const batches: CalibrationBatch[] = [0, 1, 2].map((seed) => ({ dims: [1, 1, 20, 20], data: image(20, seed + 3) }));
    // Every tensor any choice of float32 layers may quantise.
    const tensors = [...new Set([...quantizationPlan(fp32).tensors, ...quantizationPlan(fp32, { float32Layers: ['conv_out'] }).tensors])];
    const calibration = await calibrateActivations(fp32, { tensors, batches, runtime: ort, threads: 1 });
    ranges = calibration.ranges({ method: 'minmax' });
  });

  function fakeQuantizedModel(float32Layers?: readonly string[]): Uint8Array {
    const b = new GraphBuilder();
    const image = b.input('image', { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
    const enhanced = buildEnhanceNetwork(b, image, {
      architecture,
      foldedBatchNorm: true,
      fakeQuantization: { ranges, ...(float32Layers ? { float32Layers } : {}) },
      // The tail as createEnhanceModel writes it, so its int8 model rounds the same kernels.
      upsampling: 'phases',
      parameter: (spec) => b.initializer(spec.name, weights[spec.name], spec.shape),
    });
    return b.build({ outputs: { enhanced } });
  }

  it('computes what onnxruntime computes with the int8 model of the same ranges', async () => {
    const int8 = quantizeEnhanceModel(fp32, { ranges });
    const fake = fakeQuantizedModel();
    for (const seed of [40, 41]) {
      // Images the ranges were not calibrated on.
      const input = image(24, seed);
      const [reference, quantized, simulated] = await Promise.all([fp32, int8, fake].map((m) => enhance(m, input, 24)));
      const quantisationError = distance(quantized, reference);
      // Where the simulation's float32 sums fall on the other side of a rounding tie than QLinearConv's
      // exact integer sums, one level differs and spreads over that value's receptive field: a few pixels.
      const tolerance = (1e-3 * distance(reference, new Float64Array(reference.length))) / Math.sqrt(reference.length);
      const differing = (a: Float64Array, b: Float64Array) => a.filter((v, i) => Math.abs(v - b[i]) > tolerance).length / a.length;
      expect(differing(quantized, reference)).toBeGreaterThan(0.5);
      expect(differing(simulated, quantized)).toBeLessThan(0.15);
      expect(distance(simulated, quantized)).toBeLessThan(0.25 * quantisationError);
    }
  });

  it('keeps the float32 layers it is told to, as the int8 model does', async () => {
    const layers = ['conv_in', 'blocks.0.conv1', 'conv_up', 'conv_out'];
    const int8 = quantizeEnhanceModel(fp32, { ranges, float32Layers: layers });
    const input = image(24, 50);
    const [reference, quantized, simulated, otherLayers] = await Promise.all(
      [fp32, int8, fakeQuantizedModel(layers), fakeQuantizedModel()].map((m) => enhance(m, input, 24)),
    );
    expect(distance(simulated, quantized)).toBeLessThan(0.25 * distance(quantized, reference));
    expect(distance(otherLayers, quantized)).toBeGreaterThan(2 * distance(simulated, quantized));
  });

  it('refuses a network with separate batch norms and an unknown tensor', () => {
    const b = new GraphBuilder();
    const image = b.input('image', { dataType: 'float32', shape: [1, 1, 8, 8] });
    const unfolded = initializeEnhanceWeights(architecture, { seed: 1 });
    expect(() =>
      buildEnhanceNetwork(b, image, {
        architecture,
        fakeQuantization: { ranges },
        parameter: (spec) => b.initializer(spec.name, unfolded[spec.name], spec.shape),
      }),
    ).toThrow(/foldedBatchNorm/);
    const c = new GraphBuilder();
    const input = c.input('image', { dataType: 'float32', shape: [1, 1, 8, 8] });
    expect(() =>
      buildEnhanceNetwork(c, input, {
        architecture,
        foldedBatchNorm: true,
        fakeQuantization: { ranges: new Map([...ranges].filter(([name]) => name !== 'skip.add')) },
        parameter: (spec) => c.initializer(spec.name, weights[spec.name], spec.shape),
      }),
    ).toThrow(/'skip\.add'/);
  });
});

describe('straight-through gradients of fake quantisation', () => {
  it('pass the gradient where the activation is on its grid and stop it where it saturates', async () => {
    const range = { min: -1, max: 2 };
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2, 3, 4] });
    const c = b.input('c', { dataType: 'float32', shape: [2, 3, 4] });
    const y = fakeQuantizeActivation(b, x, range, 'x');
    const loss = b.reduceSum(b.mul(y, c), { keepDims: false });
    const gradient = appendGradients(b, { loss, with: [x] }).get('x')!;
    const model = b.build({ outputs: { y, gradient } });
    const xs = Array.from({ length: 24 }, (_, i) => -2 + (5 * i) / 23);
    const cs = Array.from({ length: 24 }, (_, i) => Math.cos(i));
    const out = await runOnnx(model, {
      x: { dataType: 'float32', dims: [2, 3, 4], data: xs },
      c: { dataType: 'float32', dims: [2, 3, 4], data: cs },
    });
    const { scale, zeroPoint } = activationQuantization(range);
    const [low, high] = [(0 - zeroPoint) * scale, (255 - zeroPoint) * scale];
    xs.forEach((v, i) => {
      const x32 = Math.fround(v);
      expect(out.gradient.data[i]).toBeCloseTo(x32 >= low && x32 <= high ? Math.fround(cs[i]) : 0, 6);
      expect(out.y.data[i]).toBeCloseTo(Math.min(high, Math.max(low, Math.round(x32 / scale) * scale)), 5);
    });
  });

  it('round weights as the int8 model stores them and pass their gradient unchanged', async () => {
    const shape = [3, 2, 3, 3];
    const count = 54;
    const ws = Float32Array.from({ length: count }, (_, i) => Math.sin(1.7 * i) * (i < 18 ? 1 : i < 36 ? 0.01 : 3));
    const cs = Array.from({ length: count }, (_, i) => 0.5 - Math.cos(0.3 * i));
    const b = new GraphBuilder();
    const w = b.input('w', { dataType: 'float32', shape });
    const c = b.input('c', { dataType: 'float32', shape });
    const y = fakeQuantizeWeights(b, w, 'layer');
    const loss = b.reduceSum(b.mul(y, c), { keepDims: false });
    const gradient = appendGradients(b, { loss, with: [w] }).get('w')!;
    const out = await runOnnx(b.build({ outputs: { y, gradient } }), {
      w: { dataType: 'float32', dims: shape, data: ws },
      c: { dataType: 'float32', dims: shape, data: cs },
    });
    const stored = quantizeWeightsPerChannel(ws, 3);
    for (let i = 0; i < count; i++) {
      expect(out.y.data[i]).toBe(Math.fround(stored.data[i] * stored.scales[Math.floor(i / 18)]));
      expect(out.gradient.data[i]).toBeCloseTo(Math.fround(cs[i]), 6);
    }
  });
});

describe('GraphBuilder quantizeLinear / dequantizeLinear', () => {
  it('refuses parameters that do not describe a grid', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2, 3, 4, 4] });
    const floatZero = b.scalar(0);
    expect(() => b.quantizeLinear(x, b.scalar(0.1), floatZero)).toThrow(/zero point must be uint8 or int8/);
    const scales = b.initializer('s', new Float32Array(4), [4]);
    const zeros = b.initializer('z', new Int8Array(4), [4], 'int8');
    // Axis 1 has 3 channels, not 4.
    expect(() => b.quantizeLinear(x, scales, zeros, { axis: 1 })).toThrow(/per-axis scale/);
    expect(b.quantizeLinear(x, scales, zeros, { axis: 3 }).dataType).toBe('int8');
    const q = b.quantizeLinear(x, b.scalar(0.1), b.constant({ dataType: 'uint8', shape: [] }, [3]));
    expect(q.dataType).toBe('uint8');
    expect(() => b.dequantizeLinear(q, b.scalar(0.1), zeros)).toThrow();
    expect(b.dequantizeLinear(q, b.scalar(0.1), b.constant({ dataType: 'uint8', shape: [] }, [3])).dataType).toBe('float32');
  });
});
