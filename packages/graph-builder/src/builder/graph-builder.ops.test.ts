import { describe, expect, test } from 'vitest';
import { GraphBuilder } from './graph-builder.js';
import type { DataType, Dim, Operand } from './operand.js';
import { runOnnx } from '../testing/run-onnx.js';
import * as ref from './reference-ops.test-helper.js';
import { createRandom } from '../networks/random.js';

interface InputSpec {
  shape: number[];
  /** The shape declared to the builder; symbols are bound to `shape` for the run. */
  declared?: Dim[];
  dataType?: DataType;
  data?: number[];
  /** Random values in [lo, hi) when `data` is not given. */
  range?: [number, number];
}

interface OpCase {
  name: string;
  inputs: Record<string, InputSpec>;
  build: (b: GraphBuilder, x: Record<string, Operand>) => Operand | Operand[];
  expected: (x: Record<string, ref.NDArray>) => ref.NDArray | ref.NDArray[];
  /** The inferred output shapes, when the case checks symbolic inference explicitly. */
  inferred?: Dim[][];
}

const x4 = (shape: number[], declared?: Dim[]): Record<string, InputSpec> => ({ x: { shape, declared } });
const NCHW: Dim[] = ['N', 'C', 'H', 'W'];

const cases: OpCase[] = [
  // --- elementwise, with broadcasting and symbolic dims ---
  {
    name: 'relu',
    inputs: x4([2, 3, 4, 5], NCHW),
    build: (b, { x }) => b.relu(x),
    expected: ({ x }) => ref.elementwise((v) => Math.max(v, 0), x),
  },
  { name: 'neg', inputs: x4([2, 3]), build: (b, { x }) => b.neg(x), expected: ({ x }) => ref.elementwise((v) => -v, x) },
  { name: 'abs', inputs: x4([7]), build: (b, { x }) => b.abs(x), expected: ({ x }) => ref.elementwise(Math.abs, x) },
  {
    name: 'sign',
    inputs: { x: { shape: [5], data: [-2, 0, 3, -0.5, 1e-3] } },
    build: (b, { x }) => b.sign(x),
    expected: ({ x }) => ref.elementwise(Math.sign, x),
  },
  {
    name: 'sqrt',
    inputs: { x: { shape: [3, 4], range: [0.1, 4] } },
    build: (b, { x }) => b.sqrt(x),
    expected: ({ x }) => ref.elementwise(Math.sqrt, x),
  },
  { name: 'exp', inputs: x4([3, 4]), build: (b, { x }) => b.exp(x), expected: ({ x }) => ref.elementwise(Math.exp, x) },
  {
    name: 'log',
    inputs: { x: { shape: [6], range: [0.1, 3] } },
    build: (b, { x }) => b.log(x),
    expected: ({ x }) => ref.elementwise(Math.log, x),
  },
  { name: 'identity', inputs: x4([2, 2]), build: (b, { x }) => b.identity(x), expected: ({ x }) => x },
  {
    name: 'add broadcasts [N,C,H,W] + [C,1,1]',
    inputs: { a: { shape: [2, 3, 4, 5], declared: NCHW }, b: { shape: [3, 1, 1], declared: ['C', 1, 1] } },
    build: (b, { a, b: c }) => b.add(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => u + v, a, b),
    inferred: [['N', 'C', 'H', 'W']],
  },
  {
    name: 'sub',
    inputs: { a: { shape: [4, 1] }, b: { shape: [3] } },
    build: (b, { a, b: c }) => b.sub(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => u - v, a, b),
    inferred: [[4, 3]],
  },
  {
    name: 'mul',
    inputs: { a: { shape: [2, 3] }, b: { shape: [] } },
    build: (b, { a, b: c }) => b.mul(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => u * v, a, b),
  },
  {
    name: 'div',
    inputs: { a: { shape: [2, 3] }, b: { shape: [2, 3], range: [0.5, 2] } },
    build: (b, { a, b: c }) => b.div(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => u / v, a, b),
  },
  {
    name: 'pow',
    inputs: { a: { shape: [2, 3], range: [0.1, 2] }, b: { shape: [3] } },
    build: (b, { a, b: c }) => b.pow(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => u ** v, a, b),
  },
  {
    name: 'max',
    inputs: { a: { shape: [3, 3] }, b: { shape: [3, 1] } },
    build: (b, { a, b: c }) => b.max(a, c),
    expected: ({ a, b }) => ref.elementwise(Math.max, a, b),
  },
  {
    name: 'min',
    inputs: { a: { shape: [3, 3] }, b: { shape: [1, 3] } },
    build: (b, { a, b: c }) => b.min(a, c),
    expected: ({ a, b }) => ref.elementwise(Math.min, a, b),
  },
  {
    name: 'greater',
    inputs: { a: { shape: [2, 4] }, b: { shape: [4] } },
    build: (b, { a, b: c }) => b.greater(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => Number(u > v), a, b),
  },
  {
    name: 'less',
    inputs: { a: { shape: [2, 4] }, b: { shape: [2, 1] } },
    build: (b, { a, b: c }) => b.less(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => Number(u < v), a, b),
  },
  {
    name: 'equal (int64)',
    inputs: { a: { shape: [4], dataType: 'int64', data: [1, 2, 3, 4] }, b: { shape: [4], dataType: 'int64', data: [1, 0, 3, 0] } },
    build: (b, { a, b: c }) => b.equal(a, c),
    expected: ({ a, b }) => ref.elementwise((u, v) => Number(u === v), a, b),
  },
  {
    name: 'where',
    inputs: { c: { shape: [2, 3], dataType: 'bool', data: [1, 0, 1, 0, 0, 1] }, a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (b, { c, a, b: y }) => b.where(c, a, y),
    expected: ({ c, a, b }) => ref.elementwise((k, u, v) => (k ? u : v), c, a, b),
  },
  {
    name: 'cast float32 → int32 truncates',
    inputs: { x: { shape: [4], data: [1.7, -1.7, 2.2, -0.4] } },
    build: (b, { x }) => b.cast(x, 'int32'),
    expected: ({ x }) => ref.elementwise(Math.trunc, x),
  },

  // --- convolution and pooling ---
  {
    name: 'conv 3×3 pads 1, bias, symbolic H×W',
    inputs: { x: { shape: [1, 2, 5, 6], declared: [1, 2, 'H', 'W'] }, w: { shape: [3, 2, 3, 3] }, bias: { shape: [3] } },
    build: (b, { x, w, bias }) => b.conv(x, w, { bias, pads: [1, 1, 1, 1] }),
    expected: ({ x, w, bias }) => ref.conv2d(x, w, bias, { pads: [1, 1, 1, 1] }),
    inferred: [[1, 3, 'H', 'W']],
  },
  {
    name: 'conv stride 2, dilation 2, group 2',
    inputs: { x: { shape: [2, 4, 9, 8], declared: ['N', 4, 9, 'W'] }, w: { shape: [6, 2, 3, 2] } },
    build: (b, { x, w }) => b.conv(x, w, { strides: [2, 2], dilations: [2, 1], group: 2, pads: [1, 0, 2, 1] }),
    expected: ({ x, w }) => ref.conv2d(x, w, undefined, { strides: [2, 2], dilations: [2, 1], group: 2, pads: [1, 0, 2, 1] }),
  },
  {
    name: 'convTranspose stride 2, output padding',
    inputs: { x: { shape: [1, 3, 4, 5], declared: [1, 3, 'H', 'W'] }, w: { shape: [3, 2, 3, 3] }, bias: { shape: [2] } },
    build: (b, { x, w, bias }) => b.convTranspose(x, w, { bias, strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] }),
    expected: ({ x, w, bias }) => ref.convTranspose2d(x, w, bias, { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] }),
    inferred: [[1, 2, '2*H', '2*W']],
  },
  {
    name: 'averagePool 2×2 stride 2 (the ×2 rebinning)',
    inputs: x4([1, 2, 6, 8], [1, 2, '2*H', '2*W']),
    build: (b, { x }) => b.averagePool(x, { kernelShape: [2, 2], strides: [2, 2] }),
    expected: ({ x }) => ref.pool2d('average', x, [2, 2], { strides: [2, 2] }),
    inferred: [[1, 2, 'H', 'W']],
  },
  {
    name: 'averagePool 3×3 pads, count_include_pad',
    inputs: x4([1, 1, 5, 5]),
    build: (b, { x }) => b.averagePool(x, { kernelShape: [3, 3], pads: [1, 1, 1, 1], countIncludePad: true }),
    expected: ({ x }) => ref.pool2d('average', x, [3, 3], { pads: [1, 1, 1, 1], countIncludePad: true }),
  },
  {
    name: 'maxPool 3×3 stride 2',
    inputs: x4([1, 2, 7, 6]),
    build: (b, { x }) => b.maxPool(x, { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    expected: ({ x }) => ref.pool2d('max', x, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }),
  },

  // --- pad and resize ---
  {
    name: 'pad reflect 1 (excludes the edge pixel)',
    inputs: x4([1, 2, 4, 5], [1, 2, 'H', 'W']),
    build: (b, { x }) => b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect' }),
    expected: ({ x }) => ref.pad(x, [0, 0, 1, 1, 0, 0, 1, 1], 'reflect'),
    inferred: [[1, 2, 'H+2', 'W+2']],
  },
  {
    name: 'pad edge, asymmetric',
    inputs: x4([1, 1, 3, 4]),
    build: (b, { x }) => b.pad(x, { pads: [0, 0, 2, 0, 0, 0, 1, 3], mode: 'edge' }),
    expected: ({ x }) => ref.pad(x, [0, 0, 2, 0, 0, 0, 1, 3], 'edge'),
  },
  {
    name: 'pad constant 2.5',
    inputs: x4([2, 3]),
    build: (b, { x }) => b.pad(x, { pads: [1, 0, 0, 2], value: 2.5 }),
    expected: ({ x }) => ref.pad(x, [1, 0, 0, 2], 'constant', 2.5),
  },
  {
    name: 'resize nearest ×2 (asymmetric, floor)',
    inputs: x4([1, 2, 3, 4], ['N', 'C', 'H', 'W']),
    build: (b, { x }) =>
      b.resize(x, { scales: [1, 1, 2, 2], mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' }),
    expected: ({ x }) => ref.resizeNearestAsymmetric(x, [1, 1, 2, 2]),
    inferred: [['N', 'C', '2*H', '2*W']],
  },
  {
    name: 'resize linear ×2 (half_pixel)',
    inputs: x4([1, 1, 4, 5]),
    build: (b, { x }) => b.resize(x, { scales: [1, 1, 2, 2], mode: 'linear', coordinateTransformationMode: 'half_pixel' }),
    expected: ({ x }) => ref.resizeLinearHalfPixel(x, [1, 1, 2, 2]),
  },
  {
    name: 'resize cubic ×3 (half_pixel, a = −0.75)',
    inputs: x4([1, 1, 5, 6]),
    build: (b, { x }) =>
      b.resize(x, { scales: [1, 1, 3, 3], mode: 'cubic', coordinateTransformationMode: 'half_pixel', cubicCoeffA: -0.75 }),
    expected: ({ x }) => ref.resizeCubicHalfPixel(x, [1, 1, 3, 3], -0.75),
  },

  // --- normalisation ---
  {
    name: 'batchNormalization (inference, ε = 1e-3)',
    inputs: {
      x: { shape: [2, 3, 4, 4], declared: ['N', 3, 'H', 'W'] },
      s: { shape: [3] },
      o: { shape: [3] },
      m: { shape: [3] },
      v: { shape: [3], range: [0.2, 2] },
    },
    build: (b, { x, s, o, m, v }) => b.batchNormalization(x, s, o, m, v, { epsilon: 1e-3 }),
    expected: ({ x, s, o, m, v }) => ref.batchNorm(x, s, o, m, v, 1e-3),
  },
  {
    name: 'batchNormalization (training mode: batch statistics and running updates)',
    inputs: { x: { shape: [2, 3, 4, 5] }, s: { shape: [3] }, o: { shape: [3] }, m: { shape: [3] }, v: { shape: [3], range: [0.2, 2] } },
    build: (b, { x, s, o, m, v }) => {
      const r = b.batchNormalizationTraining(x, s, o, m, v, { epsilon: 1e-3, momentum: 0.99 });
      return [r.output, r.runningMean, r.runningVar];
    },
    expected: ({ x, s, o, m, v }) => {
      const mean = ref.reduce('mean', x, [0, 2, 3], true);
      const centred = ref.elementwise((a, b) => a - b, x, mean);
      const variance = ref.reduce(
        'mean',
        ref.elementwise((a) => a * a, centred),
        [0, 2, 3],
        true,
      );
      const flat = (a: ref.NDArray) => ref.nd([3], a.data);
      return [
        ref.batchNorm(x, s, o, flat(mean), flat(variance), 1e-3),
        ref.elementwise((r, b) => 0.99 * r + 0.01 * b, m, flat(mean)),
        ref.elementwise((r, b) => 0.99 * r + 0.01 * b, v, flat(variance)),
      ];
    },
  },

  // --- shape and layout ---
  {
    name: 'reshape with 0 and −1',
    inputs: x4([2, 3, 4], ['N', 3, 4]),
    build: (b, { x }) => b.reshape(x, [0, -1]),
    expected: ({ x }) => ref.nd([2, 12], x.data),
    inferred: [['N', 12]],
  },
  {
    name: 'reshape from a Shape output keeps symbols',
    inputs: { x: { shape: [1, 1, 3, 4], declared: [1, 1, 'H', 'W'] }, y: { shape: [12], declared: ['HW'] } },
    build: (b, { x, y }) => b.reshape(y, b.shape(x)),
    expected: ({ x, y }) => ref.nd(x.shape, y.data),
    inferred: [[1, 1, 'H', 'W']],
  },
  {
    name: 'transpose',
    inputs: x4([2, 3, 4]),
    build: (b, { x }) => b.transpose(x, { perm: [2, 0, 1] }),
    expected: ({ x }) => ref.transpose(x, [2, 0, 1]),
  },
  {
    name: 'depthToSpace DCR, block 2, symbolic H and W',
    inputs: x4([2, 12, 3, 4], ['N', 12, 'H', 'W']),
    build: (b, { x }) => b.depthToSpace(x, { blockSize: 2 }),
    expected: ({ x }) => ref.depthToSpace(x, 2, 'DCR'),
    inferred: [['N', 3, '2*H', '2*W']],
  },
  {
    name: 'depthToSpace CRD, block 3',
    inputs: x4([1, 18, 2, 3]),
    build: (b, { x }) => b.depthToSpace(x, { blockSize: 3, mode: 'CRD' }),
    expected: ({ x }) => ref.depthToSpace(x, 3, 'CRD'),
  },
  {
    name: 'transpose default reverses',
    inputs: x4([2, 5]),
    build: (b, { x }) => b.transpose(x),
    expected: ({ x }) => ref.transpose(x, [1, 0]),
  },
  {
    name: 'slice crops a symbolic border',
    inputs: x4([1, 1, 7, 8], [1, 1, 'H', 'W']),
    build: (b, { x }) => b.slice(x, { starts: [2, 1], ends: [-2, 2 ** 63], axes: [2, 3] }),
    expected: ({ x }) => ref.slice(x, [2, 1], [-2, 8], [2, 3], [1, 1]),
    inferred: [[1, 1, 'H-4', 'W-1']],
  },
  {
    name: 'slice with negative step',
    inputs: x4([6, 3]),
    build: (b, { x }) => b.slice(x, { starts: [-1], ends: [-7], axes: [0], steps: [-2] }),
    expected: ({ x }) => ref.slice(x, [-1], [-7], [0], [-2]),
  },
  {
    name: 'concat on channels',
    inputs: { a: { shape: [1, 2, 3, 3], declared: [1, 2, 'H', 'W'] }, b: { shape: [1, 3, 3, 3], declared: [1, 3, 'H', 'W'] } },
    build: (b, { a, b: c }) => b.concat([a, c], 1),
    expected: ({ a, b }) => ref.concat([a, b], 1),
    inferred: [[1, 5, 'H', 'W']],
  },
  {
    name: 'split with sizes',
    inputs: x4([2, 7]),
    build: (b, { x }) => b.split(x, { axis: 1, splits: [2, 5] }),
    expected: ({ x }) => [ref.slice(x, [0], [2], [1], [1]), ref.slice(x, [2], [7], [1], [1])],
  },
  {
    name: 'split into equal parts',
    inputs: x4([6, 2]),
    build: (b, { x }) => b.split(x, { outputCount: 3 }),
    expected: ({ x }) => [0, 2, 4].map((s) => ref.slice(x, [s], [s + 2], [0], [1])),
  },
  {
    name: 'squeeze',
    inputs: x4([1, 3, 1, 2]),
    build: (b, { x }) => b.squeeze(x, { axes: [0, 2] }),
    expected: ({ x }) => ref.nd([3, 2], x.data),
  },
  { name: 'squeeze all ones', inputs: x4([1, 3, 1]), build: (b, { x }) => b.squeeze(x), expected: ({ x }) => ref.nd([3], x.data) },
  {
    name: 'unsqueeze',
    inputs: x4([3, 2]),
    build: (b, { x }) => b.unsqueeze(x, [0, -1]),
    expected: ({ x }) => ref.nd([1, 3, 2, 1], x.data),
  },
  { name: 'expand', inputs: x4([3, 1]), build: (b, { x }) => b.expand(x, [2, 3, 4]), expected: ({ x }) => ref.expandTo(x, [2, 3, 4]) },
  {
    name: 'expand to the shape of another operand',
    inputs: { x: { shape: [1] }, y: { shape: [2, 3], declared: ['A', 'B'] } },
    build: (b, { x, y }) => b.expand(x, b.shape(y)),
    expected: ({ x, y }) => ref.expandTo(x, y.shape),
    inferred: [['A', 'B']],
  },
  { name: 'tile', inputs: x4([2, 3]), build: (b, { x }) => b.tile(x, [2, 1]), expected: ({ x }) => ref.tile(x, [2, 1]) },
  {
    name: 'gather along axis 1',
    inputs: { x: { shape: [2, 4] }, i: { shape: [3], dataType: 'int64', data: [3, 0, -1] } },
    build: (b, { x, i }) => b.gather(x, i, { axis: 1 }),
    expected: ({ x, i }) => ref.gather(x, i, 1),
  },
  {
    name: 'shape',
    inputs: x4([2, 3, 5], ['N', 3, 'W']),
    build: (b, { x }) => b.shape(x),
    expected: ({ x }) => ref.nd([3], x.shape),
    inferred: [[3]],
  },
  {
    name: 'constantOfShape from Shape',
    inputs: x4([2, 3], ['A', 'B']),
    build: (b, { x }) => b.constantOfShape(b.shape(x), { value: 1.5 }),
    expected: ({ x }) => ref.generate(x.shape, () => 1.5),
    inferred: [['A', 'B']],
  },

  // --- reductions and products ---
  {
    name: 'reduceSum axes input, keepdims',
    inputs: x4([2, 3, 4]),
    build: (b, { x }) => b.reduceSum(x, { axes: [0, 2] }),
    expected: ({ x }) => ref.reduce('sum', x, [0, 2], true),
  },
  {
    name: 'reduceSum all',
    inputs: x4([2, 3]),
    build: (b, { x }) => b.reduceSum(x, { keepDims: false }),
    expected: ({ x }) => ref.reduce('sum', x, undefined, false),
  },
  {
    name: 'reduceMean over H,W',
    inputs: x4([2, 3, 4, 5], NCHW),
    build: (b, { x }) => b.reduceMean(x, { axes: [-2, -1] }),
    expected: ({ x }) => ref.reduce('mean', x, [2, 3], true),
    inferred: [['N', 'C', 1, 1]],
  },
  {
    name: 'reduceMax',
    inputs: x4([3, 4]),
    build: (b, { x }) => b.reduceMax(x, { axes: [1], keepDims: false }),
    expected: ({ x }) => ref.reduce('max', x, [1], false),
  },
  {
    name: 'matMul batched',
    inputs: { a: { shape: [2, 3, 4] }, b: { shape: [4, 5] } },
    build: (b, { a, b: c }) => b.matMul(a, c),
    expected: ({ a, b }) => ref.matMul(a, b),
  },
  {
    name: 'gemm transB with C',
    inputs: { a: { shape: [3, 4] }, b: { shape: [5, 4] }, c: { shape: [5] } },
    build: (b, { a, b: w, c }) => b.gemm(a, w, { c, transB: true, alpha: 0.5, beta: 2 }),
    expected: ({ a, b, c }) => ref.elementwise((p, q) => 0.5 * p + 2 * q, ref.matMul(a, ref.transpose(b, [1, 0])), c),
  },
];

function randomInput(spec: InputSpec, random: () => number): number[] {
  if (spec.data) return spec.data;
  const [lo, hi] = spec.range ?? [-1, 1];
  return Array.from({ length: ref.sizeOf(spec.shape) }, () => lo + (hi - lo) * random());
}

/** Evaluates an inferred dim for the run's bindings; undefined for a fresh symbol the case did not bind. */
function evaluateDim(dim: Dim, bindings: Map<string, number>): number | undefined {
  if (typeof dim === 'number') return dim;
  const match = /^(?:(-?\d+)\*)?([A-Za-z_][\w.]*)(?:([+-])(\d+))?$/.exec(dim);
  if (!match || !bindings.has(match[2])) return undefined;
  const offset = match[4] === undefined ? 0 : Number(match[4]) * (match[3] === '-' ? -1 : 1);
  return Number(match[1] ?? 1) * bindings.get(match[2])! + offset;
}

describe('GraphBuilder ops against float64 references, run by onnxruntime-node', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_, opCase) => {
    const random = createRandom(opCase.name.length * 7919);
    const b = new GraphBuilder();
    const bindings = new Map<string, number>();
    const operands: Record<string, Operand> = {};
    const values: Record<string, ref.NDArray> = {};
    const feeds: Parameters<typeof runOnnx>[1] = {};
    for (const [name, spec] of Object.entries(opCase.inputs)) {
      const dataType = spec.dataType ?? 'float32';
      const declared = spec.declared ?? spec.shape;
      declared.forEach((d, i) => {
        if (typeof d === 'string') bindings.set(d, spec.shape[i]);
      });
      operands[name] = b.input(name, { dataType, shape: declared });
      // Inputs are rounded to float32 first, so the reference sees exactly what the model sees.
      const data = randomInput(spec, random);
      const rounded = dataType === 'float32' ? Array.from(Float32Array.from(data)) : data;
      values[name] = ref.nd(spec.shape, rounded);
      feeds[name] = { dataType, dims: spec.shape, data: rounded };
    }
    const built = opCase.build(b, operands);
    const outputs = Array.isArray(built) ? built : [built];
    const model = b.build({ outputs: Object.fromEntries(outputs.map((o, i) => [`out${i}`, o])) });
    const results = await runOnnx(model, feeds);
    const expected = opCase.expected(values);
    const expectedList = Array.isArray(expected) ? expected : [expected];
    expect(outputs.length).toBe(expectedList.length);
    if (opCase.inferred) expect(outputs.map((o) => o.shape)).toEqual(opCase.inferred);
    outputs.forEach((operand, i) => {
      const actual = results[`out${i}`];
      const want = expectedList[i];
      expect(actual.dims).toEqual(want.shape);
      // The inferred shape agrees with the shape onnxruntime produced, wherever it is not a fresh symbol.
      operand.shape.forEach((dim, axis) => {
        const value = evaluateDim(dim, bindings);
        if (value !== undefined) expect(value, `dim ${axis} '${dim}'`).toBe(want.shape[axis]);
      });
      const scale = Math.max(1e-6, ...Array.from(want.data, Math.abs));
      let worst = 0;
      want.data.forEach((v, k) => {
        worst = Math.max(worst, Math.abs(actual.data[k] - v) / scale);
      });
      expect(worst).toBeLessThan(2e-6);
    });
  });
});
