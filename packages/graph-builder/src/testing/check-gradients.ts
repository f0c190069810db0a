// Checks the gradients emitted by appendGradients against central finite differences, running both
// through onnxruntime-node (an optional peer: only this subpath needs it).
import * as ort from 'onnxruntime-node';
import { appendGradients } from '../autodiff/autodiff.js';
import { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';
import { createRandom, gaussianDeviate } from '../networks/random.js';

export interface GradientCheckCase {
  dataType: 'float32' | 'float64';
  inputs: Record<string, readonly number[]>;
  /** Builds the forward graph from the inputs (in the order of `inputs`) and returns its output. */
  forward: (b: GraphBuilder, inputs: Operand[]) => Operand;
  /** Draws input values; default standard normal. */
  draw?: (name: string, index: number, random: () => number) => number;
  seed?: number;
}

export interface GradientCheckResult {
  /** Per input: the largest |analytic − numeric| / max(|numeric|, scale) over the directions tried. */
  relativeErrors: Record<string, number>;
  /** The directional derivatives compared, for diagnostics. */
  samples: Record<string, { analytic: number; numeric: number }[]>;
}

/**
 * The loss is Σ output·R for a fixed random R, so every output element matters. For each input, the
 * analytic directional derivative g·d along random directions d is compared with
 * (L(x + h d) − L(x − h d)) / 2h, with L summed in float64 from the graph's output.
 */
export async function checkGradients(
  c: GradientCheckCase,
  { directions = 3, step = c.dataType === 'float64' ? 1e-5 : 1e-2 } = {},
): Promise<GradientCheckResult> {
  const random = createRandom(c.seed ?? 1);
  const b = new GraphBuilder();
  const names = Object.keys(c.inputs);
  const operands = names.map((name) => b.input(name, { dataType: c.dataType, shape: c.inputs[name] }));
  const output = c.forward(b, operands);
  const outShape = output.shape.map(Number);
  const outSize = outShape.reduce((p, d) => p * d, 1);
  const projection = Array.from({ length: outSize }, () => gaussianDeviate(random));
  const r = b.constant({ dataType: c.dataType, shape: outShape }, projection);
  const loss = b.reduceSum(b.mul(output, r), { keepDims: false });
  const gradients = appendGradients(b, { loss, with: operands });
  const outputs: Record<string, Operand> = { loss, output };
  names.forEach((name) => {
    outputs[`grad_${name}`] = gradients.get(name)!;
  });
  const model = b.build({ outputs });
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  const Typed = c.dataType === 'float64' ? Float64Array : Float32Array;
  const values = names.map((name) => {
    const size = c.inputs[name].reduce((p, d) => p * d, 1);
    return Float64Array.from({ length: size }, (_, i) => (c.draw ? c.draw(name, i, random) : gaussianDeviate(random)));
  });
  const run = async (vals: Float64Array[]) => {
    const feeds: Record<string, ort.Tensor> = {};
    names.forEach((name, i) => {
      feeds[name] = new ort.Tensor(c.dataType, Typed.from(vals[i]), c.inputs[name]);
    });
    return session.run(feeds);
  };
  try {
    const base = await run(values);
    const result: GradientCheckResult = { relativeErrors: {}, samples: {} };
    for (let k = 0; k < names.length; k++) {
      const grad = base[`grad_${names[k]}`].data as Float32Array | Float64Array;
      const gradScale = Math.sqrt(Array.from(grad).reduce((s, g) => s + g * g, 0));
      let worst = 0;
      result.samples[names[k]] = [];
      for (let d = 0; d < directions; d++) {
        const direction = Float64Array.from(values[k], () => gaussianDeviate(random));
        const norm = Math.sqrt(direction.reduce((s, v) => s + v * v, 0));
        direction.forEach((v, i) => {
          direction[i] = v / norm;
        });
        const shifted = (sign: number) =>
          values.map((v, j) => (j === k ? Float64Array.from(v, (x, i) => x + sign * step * direction[i]) : v));
        // The loss is re-evaluated in float64 here so float32 graphs lose no precision in the sum.
        const lossOf = async (sign: number) => {
          const out = (await run(shifted(sign))).output.data as Float32Array | Float64Array;
          let sum = 0;
          for (let i = 0; i < out.length; i++) sum += out[i] * projection[i];
          return sum;
        };
        const plus = await lossOf(1);
        const minus = await lossOf(-1);
        const numeric = (plus - minus) / (2 * step);
        const analytic = Array.from(grad).reduce((s, g, i) => s + g * direction[i], 0);
        result.samples[names[k]].push({ analytic, numeric });
        worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), gradScale * 1e-3, 1e-12));
      }
      result.relativeErrors[names[k]] = worst;
    }
    return result;
  } finally {
    await session.release();
  }
}
