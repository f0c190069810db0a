import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { GraphBuilder, createRandom as mulberry32, gaussianDeviate as gaussian } from '@enhance/graph-builder';
import { checkGradients } from '@enhance/graph-builder/testing';
import { samplePsfKernel } from '../physics/psf-kernel.js';
import { HMI_PSF_PAPER } from '../physics/psf.js';
import { physicsConsistencyTerm } from './physics-consistency.js';

const batch = 2;
const side = 24; // input pixels; predictions are 48×48

async function consistency(prediction: Float32Array, input: Float32Array, coreEnergy = 0.9): Promise<number> {
  const b = new GraphBuilder();
  const p = b.input('prediction', { dataType: 'float32', shape: [batch, 1, 2 * side, 2 * side] });
  const x = b.input('input', { dataType: 'float32', shape: [batch, 1, side, side] });
  const { loss } = physicsConsistencyTerm(b, p, x, { coreEnergy });
  const session = await ort.InferenceSession.create(b.build({ outputs: { loss } }));
  try {
    const out = await session.run({
      prediction: new ort.Tensor('float32', prediction, [batch, 1, 2 * side, 2 * side]),
      input: new ort.Tensor('float32', input, [batch, 1, side, side]),
    });
    return Number(out.loss.data[0]);
  } finally {
    await session.release();
  }
}

/** The same term written out in float64 loops: core PSF, 2×2 bins aligned with input pixels, stray-light level. */
function reference(prediction: Float32Array, input: Float32Array, coreEnergy = 0.9): number {
  const kernel = samplePsfKernel(HMI_PSF_PAPER, { pixelScaleArcsec: 0.252, energyFraction: coreEnergy });
  const r = kernel.radiusPx;
  const size = 2 * side;
  const epsilon = 1 - coreEnergy;
  let sum = 0;
  let count = 0;
  for (let n = 0; n < batch; n++) {
    const p = (y: number, x: number) => (y < 0 || x < 0 || y >= size || x >= size ? 0 : prediction[n * size * size + y * size + x]);
    let level = 0;
    for (let i = 0; i < side * side; i++) level += input[n * side * side + i] / (side * side);
    // Input pixels whose whole 2×2 block has the full core inside the prediction.
    for (let qy = 0; qy < side; qy++) {
      for (let qx = 0; qx < side; qx++) {
        if (2 * qy - r < 0 || 2 * qx - r < 0 || 2 * qy + 1 + r >= size || 2 * qx + 1 + r >= size) continue;
        let degraded = 0;
        for (const [dy, dx] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          for (let ky = -r; ky <= r; ky++)
            for (let kx = -r; kx <= r; kx++)
              degraded += kernel.data[(ky + r) * kernel.width + kx + r] * p(2 * qy + dy + ky, 2 * qx + dx + kx);
        }
        degraded /= 4;
        const expected = (input[n * side * side + qy * side + qx] - epsilon * level) / (1 - epsilon);
        sum += (degraded - expected) ** 2;
        count++;
      }
    }
  }
  return sum / count;
}

describe('physicsConsistencyTerm', () => {
  const random = mulberry32(5);
  const input = Float32Array.from({ length: batch * side * side }, () => 1 + 0.05 * gaussian(random));
  const prediction = Float32Array.from({ length: batch * 4 * side * side }, () => 1 + 0.08 * gaussian(random));

  test('equals a plain float64 evaluation of the same formula', async () => {
    const expected = reference(prediction, input);
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs((await consistency(prediction, input)) - expected) / expected).toBeLessThan(1e-4);
  });

  test('is zero for a uniform scene and its uniform input, and (0.01 c)² when the output adds 1% of light', async () => {
    const level = 0.8;
    const flat = new Float32Array(batch * side * side).fill(level);
    expect(await consistency(new Float32Array(batch * 4 * side * side).fill(level), flat)).toBeLessThan(1e-12);
    const brighter = await consistency(new Float32Array(batch * 4 * side * side).fill(1.01 * level), flat);
    expect(Math.sqrt(brighter) / (0.01 * level)).toBeCloseTo(1, 4);
  });

  test('its gradient with respect to the prediction matches finite differences', async () => {
    const fixedInput = Array.from(input);
    const result = await checkGradients(
      {
        dataType: 'float32',
        inputs: { prediction: [batch, 1, 2 * side, 2 * side] },
        seed: 3,
        draw: () => 1 + 0.08 * gaussian(random),
        forward: (b, [p]) => {
          const x = b.constant({ dataType: 'float32', shape: [batch, 1, side, side] }, fixedInput);
          return physicsConsistencyTerm(b, p, x).loss;
        },
        // The term is quadratic in the prediction, so a large step loses nothing to curvature and keeps the
        // difference far above float32 rounding of the loss.
      },
      { directions: 3, step: 0.5 },
    );
    expect(result.relativeErrors.prediction).toBeLessThan(2e-3);
  });

  test('refuses a prediction that is not twice the input', () => {
    const b = new GraphBuilder();
    const p = b.input('p', { dataType: 'float32', shape: [1, 1, 40, 40] });
    const x = b.input('x', { dataType: 'float32', shape: [1, 1, 21, 20] });
    expect(() => physicsConsistencyTerm(b, p, x)).toThrow(/\[B, 1, 2H, 2W\]/);
  });
});
