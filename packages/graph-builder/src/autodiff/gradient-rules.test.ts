import { describe, expect, test } from 'vitest';
import { checkGradients, type GradientCheckCase } from '../testing/check-gradients.js';

interface RuleCase extends GradientCheckCase {
  name: string;
  tolerance: number;
}

const f64 = 1e-6;
const f32 = 3e-3;

const cases: RuleCase[] = [
  {
    name: 'Add with broadcasting (bias-like [1,C,1,1])',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [2, 3, 4, 5], b: [1, 3, 1, 1] },
    forward: (b, [x, y]) => b.add(x, y),
  },
  {
    name: 'Sub with broadcasting of a lower-rank operand',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [2, 3, 4], b: [4] },
    forward: (b, [x, y]) => b.sub(x, y),
  },
  {
    name: 'Mul, both operands full size and squared use',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [3, 4], b: [3, 4] },
    forward: (b, [x, y]) => b.mul(b.mul(x, y), x),
  },
  {
    name: 'Div',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [3, 4], b: [3, 1] },
    forward: (b, [x, y]) => b.div(x, y),
    draw: (name, _i, r) => (name === 'b' ? 1 + r() : r() - 0.5),
  },
  {
    name: 'Relu',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 3, 5, 5] },
    forward: (b, [x]) => b.relu(x),
    // Keep values away from the kink so the finite difference does not cross it.
    draw: (_n, _i, r) => {
      const v = r() - 0.5;
      return v + Math.sign(v) * 0.05;
    },
  },
  {
    name: 'Abs',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 3, 5, 5] },
    forward: (b, [x]) => b.mul(b.abs(x), b.abs(x)),
    draw: (_n, _i, r) => {
      const v = r() - 0.5;
      return v + Math.sign(v) * 0.05;
    },
  },
  {
    name: 'ReduceMean over some axes (keepdims 0) and ReduceSum over all',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 3, 4, 5] },
    forward: (b, [x]) => b.add(b.reduceMean(x, { axes: [0, 2, 3], keepDims: false }), b.reduceSum(b.mul(x, x), { keepDims: false })),
  },
  {
    name: 'Reshape and Transpose',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 3, 4] },
    forward: (b, [x]) => b.mul(b.transpose(b.reshape(x, [6, 4]), { perm: [1, 0] }), b.transpose(b.reshape(x, [6, 4]), { perm: [1, 0] })),
  },
  {
    name: 'Pad reflect 1 on H and W (the network padding)',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 3, 5, 4] },
    forward: (b, [x]) => b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect' }),
  },
  {
    name: 'Pad reflect, uneven 2/1 pads on a 3-pixel axis (rows receive several copies)',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [1, 2, 3, 6] },
    forward: (b, [x]) => b.pad(x, { pads: [0, 0, 2, 0, 0, 0, 1, 2], mode: 'reflect' }),
  },
  {
    name: 'Pad edge, uneven 2/1 pads (the edge row receives every copy)',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [1, 2, 3, 4] },
    forward: (b, [x]) => b.pad(x, { pads: [0, 0, 2, 1, 0, 0, 1, 2], mode: 'edge' }),
  },
  {
    name: 'MatMul of two matrices, both differentiated',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [3, 4], b: [4, 5] },
    forward: (b, [x, y]) => b.matMul(x, y),
  },
  {
    name: 'Concat of three operands (one used twice) on axis 1',
    dataType: 'float64',
    tolerance: f64,
    inputs: { a: [2, 1, 3], b: [2, 2, 3] },
    forward: (b, [x, y]) => b.concat([x, y, x], 1),
  },
  {
    name: 'Split into unequal parts, one part unused',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 5, 3] },
    forward: (b, [x]) => {
      const [first, , third] = b.split(x, { axis: 1, splits: [1, 2, 2] });
      return b.mul(first, b.slice(third, { starts: [1], ends: [2], axes: [1] }));
    },
  },
  {
    name: 'Slice with a negative end and an open end (the phase slices)',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [1, 2, 5, 4] },
    forward: (b, [x]) =>
      b.add(
        b.slice(x, { starts: [0, 1], ends: [-1, 2 ** 31 - 1], axes: [2, 3] }),
        b.slice(x, { starts: [1, 0], ends: [2 ** 31 - 1, -1], axes: [2, 3] }),
      ),
  },
  {
    name: 'DepthToSpace DCR and CRD',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [2, 8, 3, 2] },
    forward: (b, [x]) =>
      b.add(
        b.depthToSpace(x, { blockSize: 2, mode: 'DCR' }),
        b.mul(b.depthToSpace(x, { blockSize: 2, mode: 'CRD' }), b.depthToSpace(x, { blockSize: 2 })),
      ),
  },
  {
    name: 'Pad constant',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [1, 2, 3, 4] },
    forward: (b, [x]) => b.pad(x, { pads: [0, 1, 2, 0, 0, 0, 1, 3], mode: 'constant' }),
  },
  {
    name: 'BatchNormalization training mode (input, gamma, beta)',
    dataType: 'float64',
    tolerance: f64,
    inputs: { x: [3, 4, 5, 6], gamma: [4], beta: [4] },
    forward: (b, [x, gamma, beta]) => {
      const mean = b.constant({ dataType: 'float64', shape: [4] }, [0.1, -0.2, 0.3, 0]);
      const variance = b.constant({ dataType: 'float64', shape: [4] }, [1, 2, 0.5, 1]);
      return b.batchNormalizationTraining(b.mul(x, x), gamma, beta, mean, variance, { epsilon: 1e-3, momentum: 0.99 }).output;
    },
  },
  {
    name: 'Conv 3×3, no pads, with bias (input, weight, bias)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [2, 3, 7, 6], w: [4, 3, 3, 3], bias: [4] },
    forward: (b, [x, w, bias]) => b.conv(x, w, { bias }),
  },
  {
    name: 'Conv 3×3 with pads 1 and 2/0',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [2, 2, 5, 6], w: [3, 2, 3, 3] },
    forward: (b, [x, w]) => b.conv(x, w, { pads: [1, 2, 1, 0] }),
  },
  {
    name: 'Conv 3×3 from one channel (the input layer)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [3, 1, 7, 8], w: [4, 1, 3, 3], bias: [4] },
    forward: (b, [x, w, bias]) => b.conv(x, w, { bias }),
  },
  {
    name: 'Conv 2×3 kernel with pads 0/1/1/2 (row and column shifts differ)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [2, 3, 5, 7], w: [2, 3, 2, 3] },
    forward: (b, [x, w]) => b.conv(x, w, { pads: [0, 1, 1, 2] }),
  },
  {
    name: 'Conv 1×1 (the output layer)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [2, 5, 4, 3], w: [1, 5, 1, 1], bias: [1] },
    forward: (b, [x, w, bias]) => b.conv(x, w, { bias }),
  },
  {
    name: 'Resize nearest ×2 (asymmetric/floor)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [2, 3, 4, 5] },
    forward: (b, [x]) =>
      b.resize(x, { scales: [1, 1, 2, 2], mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' }),
  },
  {
    name: 'Resize nearest ×2 (half_pixel/round_prefer_floor, the ONNX defaults)',
    dataType: 'float32',
    tolerance: f32,
    inputs: { x: [1, 2, 3, 3] },
    forward: (b, [x]) => b.resize(x, { scales: [1, 1, 2, 2], mode: 'nearest' }),
  },
];

describe('gradient rules against central finite differences (onnxruntime-node)', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const result = await checkGradients(c);
      for (const [name, error] of Object.entries(result.relativeErrors)) {
        expect(error, `${name}: ${JSON.stringify(result.samples[name])}`).toBeLessThan(c.tolerance);
      }
    });
  }
});
