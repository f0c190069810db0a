import { describe, expect, it } from 'vitest';
import { ActivationStatistics } from './activation-statistics.js';
import {
  activationQuantization,
  quantizeBias,
  quantizeToUint8,
  quantizeWeightsPerChannel,
  roundHalfToEven,
} from './quantization-parameters.js';

describe('quantisation parameters', () => {
  it('rounds half to even, as QuantizeLinear does', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6].map(roundHalfToEven)).toEqual([-2, -2, -0, 0, 2, 2, 2, -3]);
  });

  it('dequantises per-channel int8 weights to within half a step of each channel', () => {
    let state = 7;
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
    // Channels of very different magnitudes: one scale per channel keeps the small ones precise.
    const magnitudes = [1, 1e-3, 30, 0];
    const weights = Float32Array.from({ length: 4 * 27 }, (_, i) => magnitudes[Math.floor(i / 27)] * random());
    const { data, scales } = quantizeWeightsPerChannel(weights, 4);
    for (let o = 0; o < 4; o++) {
      let largest = 0;
      for (let i = 0; i < 27; i++) largest = Math.max(largest, Math.abs(weights[o * 27 + i]));
      expect(scales[o]).toBeCloseTo(largest > 0 ? largest / 127 : 1, 6);
      for (let i = 0; i < 27; i++) {
        const k = o * 27 + i;
        expect(Math.abs(data[k])).toBeLessThanOrEqual(127);
        expect(Math.abs(data[k] * scales[o] - weights[k])).toBeLessThanOrEqual((scales[o] / 2) * (1 + 1e-6));
      }
    }
  });

  it("raises a dead channel's weight scale so its bias fits int32", () => {
    const weights = Float32Array.of(1e-13, -2e-13, 0.5, 0.25);
    const bias = Float32Array.of(-0.02, 0.1);
    const inputScale = 0.01;
    expect(() => quantizeBias(bias, inputScale, quantizeWeightsPerChannel(weights, 2).scales)).toThrow(
      "'bias'[0] = -0.019999999552965164 does not fit int32",
    );
    const minimum = Float64Array.from(bias, (b) => Math.abs(b) / (inputScale * 2 ** 30));
    const { scales } = quantizeWeightsPerChannel(weights, 2, 'weight', minimum);
    const b = quantizeBias(bias, inputScale, scales);
    for (let o = 0; o < 2; o++) expect(Math.abs(b.data[o] * b.scales[o] - bias[o])).toBeLessThanOrEqual(b.scales[o] / 2);
  });

  it('puts 0 on every activation grid and gives non-negative tensors zero point 0', () => {
    expect(activationQuantization({ min: 0, max: 5.1 })).toEqual({ scale: Math.fround(0.02), zeroPoint: 0 });
    const signed = activationQuantization({ min: -1, max: 3 });
    expect(signed.zeroPoint).toBe(64);
    expect(quantizeToUint8(0, signed)).toBe(signed.zeroPoint);
    expect(quantizeToUint8(-5, signed)).toBe(0);
    expect(quantizeToUint8(5, signed)).toBe(255);
    // A range above 0 is stretched down to it.
    expect(activationQuantization({ min: 2, max: 4 }).zeroPoint).toBe(0);
    expect(() => activationQuantization({ min: 1, max: Number.NaN }, 'x')).toThrow(
      "'x': calibration range [1, NaN] is not a finite interval",
    );
  });
});

describe('ActivationStatistics', () => {
  it('gives extremes, percentiles from its histogram, and channel means', () => {
    const statistics = new ActivationStatistics();
    // 2 channels of 10 000 values: channel 0 uniform in [0, 1), channel 1 the same shifted to [-1, 0), plus one outlier.
    const values = Float32Array.from({ length: 20_000 }, (_, i) => (i % 10_000) / 10_000 - (i >= 10_000 ? 1 : 0));
    values[5] = 100;
    const dims = [1, 2, 100, 100];
    statistics.observe('t', values, dims);
    statistics.startHistogramPass();
    statistics.observe('t', values, dims);
    expect(statistics.range('t', { method: 'minmax' })).toEqual({ min: -1, max: 100 });
    const kept = statistics.range('t', { method: 'percentile', percentile: 99.9 });
    // 0.05% (10 values) cut at each end: the outlier goes, the bulk stays.
    expect(kept.max).toBeGreaterThan(0.98);
    expect(kept.max).toBeLessThan(1.02);
    expect(kept.min).toBeCloseTo(-1, 1);
    const means = statistics.channelMeans().get('t')!;
    expect(means[0]).toBeCloseTo((0.49995 * 10_000 + 100 - 0.0005) / 10_000, 6);
    expect(means[1]).toBeCloseTo(-0.50005, 6);
    expect(() => statistics.range('u', { method: 'minmax' })).toThrow("no calibration values for 'u'");
    expect(() => statistics.range('t', { method: 'percentile', percentile: 20 })).toThrow('percentile = 20 is invalid');
  });
});
