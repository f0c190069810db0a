import { describe, expect, test } from 'vitest';
import { GraphBuilder } from '../builder/graph-builder.js';
import { readModel } from './read-model.js';
import { OnnxModelError } from './onnx-model-error.js';
import { runOnnx } from '../testing/run-onnx.js';

function sampleModel() {
  const b = new GraphBuilder();
  const x = b.input('image', { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
  const weight = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i) * 0.3);
  const w = b.initializer('conv.weight', weight, [2, 1, 3, 3]);
  const bias = b.initializer('conv.bias', Float32Array.from([0.25, -0.5]), [2]);
  const steps = b.initializer('steps', BigInt64Array.from([3n, -7n]), [2]);
  const padded = b.pad(x, { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect', label: 'pad' });
  const y = b.conv(padded, w, { bias, pads: [0, 0, 0, 0], label: 'conv' });
  const up = b.resize(y, { scales: [1, 1, 2, 2], mode: 'cubic', cubicCoeffA: -0.5, label: 'up' });
  const model = b.build({
    outputs: { enhanced: up, weights: w, steps },
    graphName: 'sample',
    docString: 'a sample model',
    metadata: { kind: 'intensity', units: 'I/Ic' },
    producerName: 'tests',
    producerVersion: '1.2.3',
  });
  return { model, weight };
}

describe('build and readModel', () => {
  test('round trip of header, metadata, inputs, outputs, nodes and initializers', () => {
    const { model, weight } = sampleModel();
    const m = readModel(model);
    expect(m.irVersion).toBe(8);
    expect(m.opset).toBe(17);
    expect(m.producer).toEqual({ name: 'tests', version: '1.2.3' });
    expect(m.graphName).toBe('sample');
    expect(m.docString).toBe('a sample model');
    expect(m.metadata).toEqual({ kind: 'intensity', units: 'I/Ic' });
    expect(m.inputs).toEqual([{ name: 'image', dataType: 'float32', shape: [1, 1, 'H', 'W'] }]);
    expect(m.outputs).toEqual([
      { name: 'enhanced', dataType: 'float32', shape: [1, 2, '2*H', '2*W'] },
      { name: 'weights', dataType: 'float32', shape: [2, 1, 3, 3] },
      { name: 'steps', dataType: 'int64', shape: [2] },
    ]);
    expect([...m.initializers.keys()]).toEqual(['conv.weight', 'conv.bias', 'steps']);
    const w = m.initializers.get('conv.weight')!;
    expect(w.dims).toEqual([2, 1, 3, 3]);
    expect(Array.from(w.data as Float32Array)).toEqual(Array.from(weight));
    expect(Array.from(m.initializers.get('steps')!.data as BigInt64Array)).toEqual([3n, -7n]);
    const resize = m.nodes.find((n) => n.opType === 'Resize')!;
    expect(resize.label).toBe('up');
    expect(resize.attributes).toEqual({ mode: { type: 'string', value: 'cubic' }, cubic_coeff_a: { type: 'float', value: -0.5 } });
    expect(resize.inputs[1]).toBe('');
    const conv = m.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.attributes.kernel_shape).toEqual({ type: 'ints', value: [3, 3] });
    expect(conv.attributes.group).toEqual({ type: 'int', value: 1 });
    const padsConstant = m.nodes.find((n) => n.outputs[0] === m.nodes.find((p) => p.opType === 'Pad')!.inputs[1])!;
    expect(padsConstant.opType).toBe('Constant');
    const value = padsConstant.attributes.value;
    expect(value.type === 'tensor' && Array.from(value.value.data as BigInt64Array, Number)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });

  test('onnxruntime reads the same initializer values back', async () => {
    const { model, weight } = sampleModel();
    const out = await runOnnx(model, { image: { dataType: 'float32', dims: [1, 1, 3, 3], data: new Array(9).fill(1) } });
    expect(Array.from(out.weights.data)).toEqual(Array.from(weight));
    expect(Array.from(out.steps.data)).toEqual([3, -7]);
    expect(out.enhanced.dims).toEqual([1, 2, 6, 6]);
  });

  test('garbage bytes give an OnnxModelError naming the file', () => {
    expect(() => readModel(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02]), 'broken.onnx')).toThrow(OnnxModelError);
    expect(() => readModel(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02]), 'broken.onnx')).toThrow(/^broken\.onnx: /);
  });
});
