import { describe, expect, it } from 'vitest';
import { estimateNoiseSigma, parseQaReference, summariseResidual } from './redegrade-check.js';
import type { QaModelReference } from './redegrade-check.js';
import { gaussians } from '@enhance/test-support';

describe('estimateNoiseSigma', () => {
  it('finds white noise on a smooth image, ignoring NaN windows', () => {
    const normal = gaussians(3);
    const width = 300;
    const height = 200;
    const data = Float32Array.from({ length: width * height }, (_, i) => {
      const x = i % width;
      const y = Math.floor(i / width);
      return x < 20 ? Number.NaN : 1 + 0.3 * Math.sin(x / 15) * Math.cos(y / 22) + (0.01 * x * y) / width + 0.002 * normal();
    });
    expect(estimateNoiseSigma(data, width, height) / 0.002).toBeCloseTo(1, 1);
  });

  it('is NaN below 3×3', () => {
    expect(estimateNoiseSigma(new Float32Array(4), 2, 2)).toBeNaN();
  });
});

describe('summariseResidual', () => {
  const reference: QaModelReference = {
    file: 'enhance-intensity.onnx',
    sha256: 'ab',
    kind: 'intensity',
    variant: 'full',
    maxRelativeResidual: 0.01,
    images: [{ image: 'a.fits', relativeResidual: 0.01, fractionAbove3Sigma: 0.1 }],
  };

  it('maps re-degraded − input and summarises it over the finite pixels', () => {
    const width = 10;
    const height = 10;
    const input = Float32Array.from({ length: 100 }, (_, i) => (i === 0 ? Number.NaN : 2 + (i % 3)));
    const redegraded = Float32Array.from({ length: 100 }, (_, i) => (i < 50 ? input[i] : input[i] + (i === 99 ? 1 : 0.01)));
    const { residual, summary } = summariseResidual(input, redegraded, width, height, reference);
    expect(residual[0]).toBeNaN();
    expect(residual[10]).toBe(0);
    expect(residual[99]).toBeCloseTo(1, 6);
    // Written out: 49 residuals of 0.01 and one of 1 over 99 pixels; Σ|input| over the same pixels.
    let inputSum = 0;
    for (let i = 1; i < 100; i++) inputSum += input[i];
    expect(summary.pixels).toBe(99);
    expect(summary.meanAbsoluteResidual).toBeCloseTo((49 * 0.01 + 1) / 99, 6);
    expect(summary.relativeResidual).toBeCloseTo((49 * 0.01 + 1) / inputSum, 6);
    // The 99th percentile of 99 sorted values is the 98th (0-based 97): 0.01; the largest is 1.
    expect(summary.residualP99).toBeCloseTo(0.01, 6);
    expect(summary.exceedsReference).toBe(summary.relativeResidual > 0.01);
    expect(summary.noiseSigma).toBe(estimateNoiseSigma(input, width, height));
    let above = 0;
    for (let i = 1; i < 100; i++) if (Math.abs(redegraded[i] - input[i]) > 3 * summary.noiseSigma) above++;
    expect(summary.fractionAbove3Sigma).toBe(above / 99);
  });

  it('exceeds the reference only when the relative residual is above its largest', () => {
    const input = new Float32Array(25).fill(1);
    const above = summariseResidual(input, new Float32Array(25).fill(1.02), 5, 5, reference).summary;
    const below = summariseResidual(input, new Float32Array(25).fill(1.005), 5, 5, reference).summary;
    expect([above.exceedsReference, below.exceedsReference]).toEqual([true, false]);
    expect(summariseResidual(input, new Float32Array(25).fill(2), 5, 5, null).summary.exceedsReference).toBe(false);
  });
});

describe('parseQaReference', () => {
  it("reads the evaluation's file and refuses a malformed one", () => {
    const good = new TextEncoder().encode(
      JSON.stringify({ generatedBy: 'x', definition: 'y', models: [{ sha256: 'ab', maxRelativeResidual: 0.01, images: [] }] }),
    );
    expect(parseQaReference(good, 'qa-reference.json').models[0].sha256).toBe('ab');
    expect(() => parseQaReference(new TextEncoder().encode('{'), 'qa-reference.json')).toThrow(/qa-reference.json: is not JSON/);
    expect(() => parseQaReference(new TextEncoder().encode('{"models": [{}]}'), 'qa-reference.json')).toThrow(/expected \{ models/);
  });
});
