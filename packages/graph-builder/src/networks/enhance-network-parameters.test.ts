import { describe, expect, test } from 'vitest';
import { ARCHITECTURES } from '@enhance/core';
import { GraphBuilder } from '../builder/graph-builder.js';
import type { Operand } from '../builder/operand.js';
import { runOnnx } from '../testing/run-onnx.js';
import { createEnhanceModel } from './enhance-model.js';
import { buildEnhanceNetwork } from './enhance-network.js';
import { enhanceParameterSpecs } from './enhance-parameter-specs.js';
import { initializeEnhanceWeights } from './enhance-weights.js';

describe('buildEnhanceNetwork parameter callback', () => {
  test('parameters as graph inputs (training graphs) give the same output as initializers', async () => {
    const architecture = ARCHITECTURES.lite;
    const weights = initializeEnhanceWeights(architecture, { seed: 4, batchNorm: 'random', bias: 'random' });
    const b = new GraphBuilder();
    const image = b.input('image', { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
    const requested: string[] = [];
    const output = buildEnhanceNetwork(b, image, {
      architecture,
      parameter: (spec) => {
        requested.push(spec.name);
        return b.input(spec.name, { dataType: 'float32', shape: spec.shape });
      },
    });
    expect(requested).toEqual(enhanceParameterSpecs(architecture).map((s) => s.name));
    const asInputs = b.build({ outputs: { enhanced: output } });
    const data = Array.from({ length: 7 * 9 }, (_, i) => Math.cos(i));
    const feeds = Object.fromEntries(
      enhanceParameterSpecs(architecture).map((s) => [s.name, { dataType: 'float32' as const, dims: [...s.shape], data: weights[s.name] }]),
    );
    // Optimisation off on both sides: with weights as initializers onnxruntime would fold the batch norms.
    const viaInputs = await runOnnx(asInputs, { image: { dataType: 'float32', dims: [1, 1, 7, 9], data }, ...feeds }, 'disabled');
    const viaInitializers = await runOnnx(
      createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights, upsampling: 'resize' }),
      { image: { dataType: 'float32', dims: [1, 1, 7, 9], data } },
      'disabled',
    );
    expect(Array.from(viaInputs.enhanced.data)).toEqual(Array.from(viaInitializers.enhanced.data));
  });

  test("'batch' mode reports the updated moving statistics of every batch norm", () => {
    const architecture = ARCHITECTURES.lite;
    const b = new GraphBuilder();
    const image = b.input('image', { dataType: 'float32', shape: ['N', 1, 'H', 'W'] });
    const moving = new Map<string, Operand>();
    buildEnhanceNetwork(b, image, {
      architecture,
      batchNormMode: 'batch',
      parameter: (spec) => b.input(spec.name, { dataType: 'float32', shape: spec.shape }),
      onMovingStatistic: (name, operand) => moving.set(name, operand),
    });
    const statistics = enhanceParameterSpecs(architecture)
      .filter((s) => s.role === 'bn-mean' || s.role === 'bn-var')
      .map((s) => s.name);
    expect([...moving.keys()].sort()).toEqual(statistics.sort());
    for (const operand of moving.values()) expect(operand.shape).toEqual([32]);
    const batchNorms = b.nodes.filter((n) => n.opType === 'BatchNormalization');
    expect(batchNorms.map((n) => n.attributes.training_mode)).toEqual(batchNorms.map(() => ({ type: 'int', value: 1 })));
  });

  test('a parameter of the wrong shape is refused with its name', () => {
    const b = new GraphBuilder();
    const image = b.input('image', { dataType: 'float32', shape: [1, 1, 'H', 'W'] });
    expect(() =>
      buildEnhanceNetwork(b, image, {
        architecture: ARCHITECTURES.lite,
        parameter: (spec) => b.input(spec.name, { dataType: 'float32', shape: spec.name === 'conv_mid.bias' ? [31] : spec.shape }),
      }),
    ).toThrow(/conv_mid\.bias' must be \[32\], got \[31\]/);
  });
});
