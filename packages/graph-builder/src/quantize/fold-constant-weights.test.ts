import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder/graph-builder.js';
import { readModel } from '../onnx/read-model.js';
import { runOnnx } from '../testing/run-onnx.js';
import { createRandom } from '../networks/random.js';
import { foldConstantWeights } from './fold-constant-weights.js';

describe('foldConstantWeights', () => {
  it('evaluates Reshape, MatMul, Transpose and Concat of initializers as onnxruntime does, and drops what only they read', async () => {
    const random = createRandom(3);
    const values = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2, 3] });
    const w = b.initializer('w', values(24), [2, 3, 4]);
    const m = b.initializer('m', values(20), [4, 5]);
    const product = b.matMul(b.reshape(w, [6, 4]), m);
    const ordered = b.transpose(b.reshape(product, [2, 3, 5]), { perm: [2, 0, 1] });
    const joined = b.concat([ordered, b.initializer('extra', values(6), [1, 2, 3])], 0, { label: 'joined' });
    const y = b.add(x, joined);
    const bytes = b.build({ outputs: { y } });

    const folded = foldConstantWeights(readModel(bytes));
    expect(folded.nodes.map((n) => n.opType)).toEqual(['Add', 'Identity']);
    expect([...folded.initializers.keys()]).toEqual(['joined']);
    const input = Float32Array.from({ length: 6 }, (_, i) => i);
    const run = await runOnnx(bytes, { x: { dataType: 'float32', dims: [2, 3], data: input } }, 'disabled');
    const value = folded.initializers.get('joined')!;
    expect(value.dims).toEqual([6, 2, 3]);
    const expected = run.y.data.map((v, i) => v - input[i % 6]);
    const data = value.data as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(data[i]).toBeCloseTo(expected[i], 5);
  });

  it('returns the model itself when nothing is constant', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dataType: 'float32', shape: [2, 3] });
    const model = readModel(b.build({ outputs: { y: b.transpose(x) } }));
    expect(foldConstantWeights(model)).toBe(model);
  });
});
