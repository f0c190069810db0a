import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { GraphBuilder, createRandom, gaussianDeviate as gaussian } from '@enhance/graph-builder';
import { checkGradients } from '@enhance/graph-builder/testing';
import { fluxConservationTerm } from './flux-conservation.js';

const batch = 2;
const side = 8; // input pixels; predictions are 16×16

async function term(prediction: Float32Array, input: Float32Array): Promise<{ loss: number; ratio: number }> {
  const b = new GraphBuilder();
  const p = b.input('prediction', { dataType: 'float32', shape: [batch, 1, 2 * side, 2 * side] });
  const x = b.input('input', { dataType: 'float32', shape: [batch, 1, side, side] });
  const { loss, ratio } = fluxConservationTerm(b, p, x);
  const session = await ort.InferenceSession.create(b.build({ outputs: { loss, ratio } }));
  try {
    const out = await session.run({
      prediction: new ort.Tensor('float32', prediction, [batch, 1, 2 * side, 2 * side]),
      input: new ort.Tensor('float32', input, [batch, 1, side, side]),
    });
    return { loss: Number(out.loss.data[0]), ratio: Number(out.ratio.data[0]) };
  } finally {
    await session.release();
  }
}

describe('fluxConservationTerm', () => {
  const random = createRandom(11);
  const input = Float32Array.from({ length: batch * side * side }, () => 0.3 * gaussian(random));
  const prediction = Float32Array.from({ length: batch * 4 * side * side }, () => 0.35 * gaussian(random));

  test('equals the squared relative difference of Σ|out|/4 and Σ|in|, computed in float64', async () => {
    let fluxIn = 0;
    for (const v of input) fluxIn += Math.abs(v);
    let fluxOut = 0;
    for (const v of prediction) fluxOut += Math.abs(v) / 4;
    const ratio = fluxOut / fluxIn;
    const got = await term(prediction, input);
    expect(Math.abs(got.ratio - ratio)).toBeLessThan(1e-5);
    expect(Math.abs(got.loss - (ratio - 1) ** 2) / (ratio - 1) ** 2).toBeLessThan(1e-3);
  });

  test('is zero for the input upsampled by nearest neighbour, whatever its signs, and counts opposite signs alike', async () => {
    const upsampled = new Float32Array(batch * 4 * side * side);
    for (let n = 0; n < batch; n++)
      for (let y = 0; y < 2 * side; y++)
        for (let x = 0; x < 2 * side; x++)
          upsampled[n * 4 * side * side + y * 2 * side + x] = input[n * side * side + (y >> 1) * side + (x >> 1)];
    expect((await term(upsampled, input)).loss).toBeLessThan(1e-12);
    const flipped = upsampled.map((v) => -1.1 * v);
    expect((await term(flipped, input)).ratio).toBeCloseTo(1.1, 5);
  });

  test('its gradient with respect to the prediction matches finite differences', async () => {
    const fixedInput = Array.from(input);
    const result = await checkGradients(
      {
        dataType: 'float32',
        inputs: { prediction: [batch, 1, 2 * side, 2 * side] },
        seed: 4,
        // Values away from zero, so that a finite step does not cross the kink of |x|.
        draw: () => (random() < 0.5 ? -1 : 1) * (0.2 + 0.3 * random()),
        forward: (b, [p]) => {
          const x = b.constant({ dataType: 'float32', shape: [batch, 1, side, side] }, fixedInput);
          return fluxConservationTerm(b, p, x).loss;
        },
      },
      { directions: 3, step: 0.01 },
    );
    expect(result.relativeErrors.prediction).toBeLessThan(5e-3);
  });

  test('refuses a prediction that is not twice the input', () => {
    const b = new GraphBuilder();
    const p = b.input('p', { dataType: 'float32', shape: [1, 1, 40, 40] });
    const x = b.input('x', { dataType: 'float32', shape: [1, 1, 21, 20] });
    expect(() => fluxConservationTerm(b, p, x)).toThrow(/\[B, 1, 2H, 2W\]/);
  });
});
