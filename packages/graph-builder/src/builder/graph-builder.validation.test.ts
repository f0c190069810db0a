import { describe, expect, test } from 'vitest';
import { EnhanceError } from '@enhance/core';
import { GraphBuilder } from './graph-builder.js';
import { GraphBuilderError } from './graph-builder-error.js';

const image = (b: GraphBuilder, channels = 2) => b.input('x', { dataType: 'float32', shape: [1, channels, 'H', 'W'] });
const weight = (b: GraphBuilder, shape: number[]) =>
  b.initializer(`w${shape.join('x')}`, new Float32Array(shape.reduce((p, d) => p * d, 1)), shape);

interface ErrorCase {
  name: string;
  act: (b: GraphBuilder) => unknown;
  code: GraphBuilderError['code'];
  /** Fragments the message must contain: the op, its label, the offending values and shapes. */
  message: (string | RegExp)[];
}

const errorCases: ErrorCase[] = [
  {
    name: 'conv channel mismatch',
    code: 'GRAPH_SHAPE',
    act: (b) => b.conv(image(b, 3), weight(b, [4, 2, 3, 3]), { label: 'blocks.0.conv1' }),
    message: ["Conv 'blocks.0.conv1'", 'input has 3 channels', 'weight expects 2', '[1,3,H,W]', '[4,2,3,3]'],
  },
  {
    name: 'depthToSpace channels not divisible by the block size squared',
    code: 'GRAPH_SHAPE',
    act: (b) => b.depthToSpace(image(b, 6), { blockSize: 2, label: 'interleave' }),
    message: ["DepthToSpace 'interleave'", '6 channels are not divisible by blockSize² = 4', '[1,6,H,W]'],
  },
  {
    name: 'depthToSpace block size not a positive integer',
    code: 'GRAPH_OPTION',
    act: (b) => b.depthToSpace(image(b, 4), { blockSize: 1.5 }),
    message: ['DepthToSpace', 'blockSize must be a positive integer, got 1.5'],
  },
  {
    name: 'conv group not dividing outputs',
    code: 'GRAPH_SHAPE',
    act: (b) => b.conv(image(b, 4), weight(b, [3, 2, 3, 3]), { group: 2 }),
    message: ['Conv', 'not divisible by group 2'],
  },
  {
    name: 'conv rank',
    code: 'GRAPH_SHAPE',
    act: (b) => b.conv(b.input('v', { dataType: 'float32', shape: [3, 4] }), weight(b, [1, 4, 3])),
    message: ['Conv', 'rank >= 3', '[3,4]'],
  },
  {
    name: 'conv pads length',
    code: 'GRAPH_OPTION',
    act: (b) => b.conv(image(b), weight(b, [1, 2, 3, 3]), { pads: [1, 1], label: 'c' }),
    message: ["Conv 'c'", 'pads needs 4', '[1,1]'],
  },
  {
    name: 'conv bias length',
    code: 'GRAPH_SHAPE',
    act: (b) => b.conv(image(b), weight(b, [4, 2, 3, 3]), { bias: weight(b, [3]) }),
    message: ['bias must be [4]', '[3]'],
  },
  {
    name: 'conv dtype mismatch',
    code: 'GRAPH_DTYPE',
    act: (b) => b.conv(image(b), b.initializer('w', new Float64Array(18), [1, 2, 3, 3])),
    message: ['float32', 'float64'],
  },
  {
    name: 'elementwise broadcast failure',
    code: 'GRAPH_SHAPE',
    act: (b) =>
      b.add(b.input('a', { dataType: 'float32', shape: [2, 3] }), b.input('c', { dataType: 'float32', shape: [4] }), { label: 'sum' }),
    message: ["Add 'sum'", 'dims 3 and 4', '[2,3]', '[4]'],
  },
  {
    name: 'elementwise dtype mismatch',
    code: 'GRAPH_DTYPE',
    act: (b) => b.mul(b.input('a', { dataType: 'float32', shape: [2] }), b.input('c', { dataType: 'int64', shape: [2] })),
    message: ['Mul', 'float32', 'int64'],
  },
  {
    name: 'sqrt of an integer',
    code: 'GRAPH_DTYPE',
    act: (b) => b.sqrt(b.input('a', { dataType: 'int32', shape: [2] })),
    message: ['Sqrt', 'needs a float operand', 'int32'],
  },
  {
    name: 'where with a float condition',
    code: 'GRAPH_DTYPE',
    act: (b) => {
      const a = b.input('a', { dataType: 'float32', shape: [2] });
      return b.where(a, a, a);
    },
    message: ['Where', 'condition must be bool'],
  },
  {
    name: 'reflect pad wider than the image',
    code: 'GRAPH_SHAPE',
    act: (b) =>
      b.pad(b.input('a', { dataType: 'float32', shape: [1, 1, 2, 5] }), { pads: [0, 0, 2, 0, 0, 0, 2, 0], mode: 'reflect', label: 'p' }),
    message: ["Pad 'p'", 'reflect pad 2', 'got 2'],
  },
  {
    name: 'pad count',
    code: 'GRAPH_OPTION',
    act: (b) => b.pad(image(b), { pads: [1, 1, 1, 1] }),
    message: ['Pad', 'pads needs 8'],
  },
  {
    name: 'resize scales length',
    code: 'GRAPH_OPTION',
    act: (b) => b.resize(image(b), { scales: [2, 2] }),
    message: ['Resize', 'scales needs 4', '[2,2]'],
  },
  {
    name: 'batchNormalization parameter length',
    code: 'GRAPH_SHAPE',
    act: (b) => {
      const x = image(b, 3);
      const p = weight(b, [3]);
      return b.batchNormalization(x, p, p, weight(b, [2]), p, { label: 'bn1' });
    },
    message: ["BatchNormalization 'bn1'", 'mean must be [3]', '[2]'],
  },
  {
    name: 'reshape element count',
    code: 'GRAPH_SHAPE',
    act: (b) => b.reshape(b.input('a', { dataType: 'float32', shape: [2, 3] }), [4, 2]),
    message: ['Reshape', 'cannot reshape 6 elements into 8'],
  },
  {
    name: 'transpose perm',
    code: 'GRAPH_OPTION',
    act: (b) => b.transpose(image(b), { perm: [0, 1, 2, 2] }),
    message: ['Transpose', 'perm [0,1,2,2]'],
  },
  {
    name: 'axis out of range',
    code: 'GRAPH_OPTION',
    act: (b) => b.reduceSum(image(b), { axes: [4] }),
    message: ['ReduceSum', 'axis 4', 'rank 4'],
  },
  {
    name: 'concat mismatch',
    code: 'GRAPH_SHAPE',
    act: (b) => b.concat([b.input('a', { dataType: 'float32', shape: [2, 3] }), b.input('c', { dataType: 'float32', shape: [2, 4] })], 0),
    message: ['Concat', 'differ on axis 1', '(3 vs 4)'],
  },
  {
    name: 'split sizes',
    code: 'GRAPH_SHAPE',
    act: (b) => b.split(b.input('a', { dataType: 'float32', shape: [5] }), { splits: [2, 2] }),
    message: ['Split', 'do not add up to 5'],
  },
  {
    name: 'squeeze of a non-unit axis',
    code: 'GRAPH_SHAPE',
    act: (b) => b.squeeze(b.input('a', { dataType: 'float32', shape: [2, 1] }), { axes: [0] }),
    message: ['Squeeze', 'axis 0 has size 2'],
  },
  {
    name: 'matMul inner dims',
    code: 'GRAPH_SHAPE',
    act: (b) => b.matMul(b.input('a', { dataType: 'float32', shape: [2, 3] }), b.input('c', { dataType: 'float32', shape: [4, 5] })),
    message: ['MatMul', '3 vs 4'],
  },
  {
    name: 'initializer data length',
    code: 'GRAPH_SHAPE',
    act: (b) => b.initializer('w', new Float32Array(5), [2, 3]),
    message: ["initializer 'w'", 'holds 6 values but data has 5'],
  },
  {
    name: 'duplicate names',
    code: 'GRAPH_NAME',
    act: (b) => {
      b.input('x', { dataType: 'float32', shape: [1] });
      b.initializer('x', new Float32Array(1), [1]);
    },
    message: ["'x' is already used"],
  },
  {
    name: 'operand from another builder',
    code: 'GRAPH_OPERAND',
    act: (b) => b.relu(new GraphBuilder().input('x', { dataType: 'float32', shape: [1] })),
    message: ['Relu', "operand 'x' does not belong to this builder"],
  },
  {
    name: 'shape inference giving the wrong output count',
    code: 'GRAPH_STATE',
    act: (b) => b.addNode('Relu', [image(b)], {}, 2, (inputs) => [{ dataType: 'float32', shape: inputs[0]!.shape }]),
    message: ['Relu', 'gave 1 outputs, expected 2'],
  },
];

describe('GraphBuilder validation', () => {
  test.each(errorCases.map((c) => [c.name, c] as const))('%s', (_, errorCase) => {
    let thrown: unknown;
    try {
      errorCase.act(new GraphBuilder());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphBuilderError);
    expect(EnhanceError.isInstance(thrown)).toBe(true);
    const error = thrown as GraphBuilderError;
    expect(error.code).toBe(errorCase.code);
    for (const fragment of errorCase.message)
      expect(error.message).toMatch(typeof fragment === 'string' ? new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : fragment);
  });

  test('build works once and freezes the builder', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2] });
    const y = b.relu(x);
    b.build({ outputs: { y } });
    expect(() => b.build({ outputs: { y } })).toThrow(/already been built/);
    expect(() => b.relu(x)).toThrow(/already been built/);
  });

  test('an output name already taken by another value is refused', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2] });
    expect(() => b.build({ outputs: { x: b.relu(x) } })).toThrow(GraphBuilderError);
  });

  test('operands are immutable', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [1, 'H'] });
    expect(Object.isFrozen(x)).toBe(true);
    expect(Object.isFrozen(x.shape)).toBe(true);
  });

  test('the node list is in topological order with labels, and addNode emits any op', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [1, 'H'] });
    const y = b.relu(x, { label: 'act' });
    const [z] = b.addNode('Softplus', [y], {}, 1, ([input]) => [{ dataType: input!.dataType, shape: input!.shape }], { label: 'soft' });
    expect(z.shape).toEqual([1, 'H']);
    expect(b.nodes.map((n) => [n.opType, n.label, n.inputs, n.outputs])).toEqual([
      ['Relu', 'act', ['x'], [y.name]],
      ['Softplus', 'soft', [y.name], [z.name]],
    ]);
    expect(b.producer(z)?.opType).toBe('Softplus');
    expect(b.operand(z.name)).toBe(z);
  });
});
