import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import h5wasm from 'h5wasm';
import { ARCHITECTURES } from '@enhance/core';
import { buildKerasModelJson, type KerasModelJson } from './build-keras-model-json.js';
import { inferTopologyFromWeights, topologyFromModelGraph } from './enhance-keras-topology.js';
import { extractEnhanceParameters } from './extract-enhance-parameters.js';
import { KerasConversionError } from './keras-conversion-error.js';
import { parseKerasModelJson } from './keras-model-graph.js';
import { readKerasWeightFile } from './read-keras-weight-file.js';
import { randomKerasWeights, writeKerasTestFile } from './keras-test-files.test-helper.js';

// Written by h5py (fixtures/make-h5py-keras-fixture.py) the way Keras 2.0.2's save_weights lays a file out.
const h5pyFixture = new Uint8Array(readFileSync(new URL('./fixtures/h5py-keras-depth1-filters2.hdf5', import.meta.url)));
const FIXTURE_LAYERS = [
  'input_1',
  'gaussian_noise_1',
  'reflection_padding2d_1',
  'conv2d_1',
  'activation_1',
  'reflection_padding2d_2',
  'conv2d_2',
  'batch_normalization_1',
  'activation_2',
  'reflection_padding2d_3',
  'conv2d_3',
  'batch_normalization_2',
  'add_1',
  'reflection_padding2d_4',
  'conv2d_4',
  'batch_normalization_3',
  'add_2',
  'up_sampling2d_1',
  'reflection_padding2d_5',
  'conv2d_5',
  'activation_3',
  'conv2d_6',
];
/** The fixture's value formula: round(sin(seed + i), 6) as float32, seed = 100·(layer index) + 10·(weight index). */
const fixtureValue = (layer: string, weightIndex: number, i: number) =>
  Math.fround(Math.round(Math.sin(100 * FIXTURE_LAYERS.indexOf(layer) + 10 * weightIndex + i) * 1e6) / 1e6);

async function expectKerasError(
  promise: Promise<unknown>,
  code: string,
  layer: string | undefined,
  pattern: RegExp,
): Promise<KerasConversionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KerasConversionError);
  const kerasError = error as KerasConversionError;
  expect(kerasError.code).toBe(code);
  expect(kerasError.layer).toBe(layer);
  expect(kerasError.message).toMatch(pattern);
  return kerasError;
}

describe('readKerasWeightFile on an h5py-written save_weights file', () => {
  it('lists the layers in layer_names order with their weights, version and backend', async () => {
    const file = await readKerasWeightFile(h5pyFixture, 'fixture.hdf5');
    expect(file.layout).toBe('save_weights');
    expect(file.kerasVersion).toBe('2.0.2');
    expect(file.backend).toBe('tensorflow');
    expect(file.layers.map((l) => l.name)).toEqual(FIXTURE_LAYERS);
    expect(file.layers.find((l) => l.name === 'activation_1')!.weights).toEqual([]);
    const bn = file.layers.find((l) => l.name === 'batch_normalization_2')!;
    expect(bn.weights.map((w) => w.name)).toEqual(
      ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => `batch_normalization_2/${w}:0`),
    );
    expect(Array.from(bn.weights[0].values)).toEqual([0, 1].map((i) => fixtureValue('batch_normalization_2', 0, i)));
  });

  it('infers depth 1 × 2 filters and converts kernels (kh, kw, in, out) to (out, in, kh, kw)', async () => {
    const file = await readKerasWeightFile(h5pyFixture, 'fixture.hdf5');
    const topology = inferTopologyFromWeights(file, 'fixture.hdf5');
    expect(topology.architecture).toEqual({ depth: 1, filters: 2 });
    expect([
      topology.firstConv.layer,
      topology.blocks[0].conv1.layer,
      topology.blocks[0].bn2.layer,
      topology.postBn.layer,
      topology.outputConv.layer,
    ]).toEqual(['conv2d_1', 'conv2d_2', 'batch_normalization_2', 'batch_normalization_3', 'conv2d_6']);
    const { parameters, matchedBy } = extractEnhanceParameters(file, topology, 'fixture.hdf5');
    expect(matchedBy).toBe('name');
    const f = 2;
    // numpy row-major (kh, kw, in, out): flat index ((i·kw + j)·in + c)·out + o.
    const weight = parameters.blocks[0].conv2.weight;
    for (let o = 0; o < f; o++) {
      for (let c = 0; c < f; c++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++)
            expect(weight[((o * f + c) * 3 + i) * 3 + j]).toBe(fixtureValue('conv2d_3', 0, ((i * 3 + j) * f + c) * f + o));
        }
      }
    }
    expect(Array.from(parameters.outputConv.weight)).toEqual([0, 1].map((c) => fixtureValue('conv2d_6', 0, c)));
    expect(Array.from(parameters.postBn.variance)).toEqual(
      [0, 1].map((i) => Math.fround(Math.abs(fixtureValue('batch_normalization_3', 3, i)) + 0.5)),
    );
    expect(parameters.postBn.epsilon).toBe(1e-3);
  });
});

describe('readKerasWeightFile on files written in Keras layout by h5wasm', () => {
  const json = buildKerasModelJson({ kind: 'intensity', architecture: { depth: 2, filters: 3 } });
  const weights = randomKerasWeights(json, 11);

  it.each(['save_weights', 'full_model'] as const)(
    '%s: reads layer order from layer_names (not key order) and the model_config',
    async (layout) => {
      const file = await readKerasWeightFile(await writeKerasTestFile(json, weights, layout), `w-${layout}.h5`);
      expect(file.layout).toBe(layout);
      expect(file.layers.map((l) => l.name)).toEqual(json.config.layers.map((l) => l.name));
      expect(file.kerasVersion).toBe('2.0.2');
      if (layout === 'full_model') expect(file.modelConfig).toEqual(JSON.parse(JSON.stringify(json)));
      else expect(file.modelConfig).toBeUndefined();
      const conv = file.layers.find((l) => l.name === 'conv2d_4')!;
      expect(conv.weights[0].shape).toEqual([3, 3, 3, 3]);
      expect(conv.weights[0].values).toEqual(weights.get('conv2d_4')![0].values);
    },
  );

  it('reads variable-length string attributes too', async () => {
    const file = await readKerasWeightFile(
      await writeKerasTestFile(json, weights, 'save_weights', { variableLengthStrings: true }),
      'vlen.h5',
    );
    expect(file.layers.map((l) => l.name)).toEqual(json.config.layers.map((l) => l.name));
    expect(file.layers.find((l) => l.name === 'batch_normalization_1')!.weights.map((w) => w.name)).toEqual(
      weights.get('batch_normalization_1')!.map((w) => w.name),
    );
  });

  it('rejects bytes that are not HDF5, naming the file', async () => {
    const error = await expectKerasError(
      readKerasWeightFile(new TextEncoder().encode('{"not": "hdf5"}'), 'weights.json'),
      'KERAS_NOT_HDF5',
      undefined,
      /not an HDF5 file/,
    );
    expect(error.message.startsWith('weights.json: ')).toBe(true);
  });

  it('rejects an HDF5 file that is not a Keras 2 weight file', async () => {
    const { FS } = await h5wasm.ready;
    const file = new h5wasm.File('/keras3-like.h5', 'w');
    file.create_group('layers');
    file.create_group('vars');
    file.close();
    const bytes = FS.readFile('/keras3-like.h5');
    FS.unlink('/keras3-like.h5');
    await expectKerasError(readKerasWeightFile(bytes, 'model.weights.h5'), 'KERAS_UNSUPPORTED_FORMAT', undefined, /Keras 3/);
  });

  it('names the layer whose listed weight is missing from the file', async () => {
    const broken = new Map(weights);
    const bn = broken.get('batch_normalization_2')!;
    // weight_names still lists four weights; the dataset of moving_variance is not written.
    broken.set('batch_normalization_2', bn.slice(0, 3));
    const bytes = await writeKerasTestFile(json, broken, 'save_weights', {
      listedWeightNames: { batch_normalization_2: bn.map((w) => w.name) },
    });
    await expectKerasError(
      readKerasWeightFile(bytes, 'broken.h5'),
      'KERAS_MISSING_WEIGHT',
      'batch_normalization_2',
      /moving_variance:0' is listed in weight_names but missing/,
    );
  });
});

describe('Enhance topology from a model JSON', () => {
  const base = buildKerasModelJson({ kind: 'blos', architecture: ARCHITECTURES.lite, epsilon: 0.01 });
  const edit = (change: (json: KerasModelJson) => void): KerasModelJson => {
    const copy = JSON.parse(JSON.stringify(base)) as KerasModelJson;
    change(copy);
    return copy;
  };
  const walk = (json: KerasModelJson) => topologyFromModelGraph(parseKerasModelJson(json, 'model.json'), 'model_json', 'model.json');

  it('honours the JSON: depth, filters, epsilon, noise σ', () => {
    const topology = walk(base);
    expect(topology.architecture).toEqual({ depth: 1, filters: 32 });
    expect(topology.postBn.epsilon).toBe(0.01);
    expect(topology.noiseStddev).toBe(0.01);
  });

  it('accepts a conv with its own relu activation in place of an Activation layer', () => {
    const json = edit((j) => {
      const layers = j.config.layers;
      const relu = layers.findIndex((l) => l.name === 'activation_1');
      layers.find((l) => l.name === 'conv2d_1')!.config['activation'] = 'relu';
      for (const layer of layers)
        for (const node of layer.inbound_nodes) for (const edge of node) if (edge[0] === 'activation_1') edge[0] = 'conv2d_1';
      layers.splice(relu, 1);
    });
    expect(walk(json).architecture).toEqual({ depth: 1, filters: 32 });
  });

  it.each([
    [
      'an unknown layer class',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'activation_2')!.class_name = 'LeakyReLU';
      },
      'KERAS_UNKNOWN_LAYER',
      'activation_2',
      /unknown layer class 'LeakyReLU'/,
    ],
    [
      'zero padding',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'reflection_padding2d_3')!.class_name = 'ZeroPadding2D';
      },
      'KERAS_UNKNOWN_LAYER',
      'reflection_padding2d_3',
      /ZeroPadding2D/,
    ],
    [
      'bilinear upsampling',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'up_sampling2d_1')!.config['interpolation'] = 'bilinear';
      },
      'KERAS_UNSUPPORTED_CONFIG',
      'up_sampling2d_1',
      /interpolation 'bilinear'/,
    ],
    [
      '×3 upsampling',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'up_sampling2d_1')!.config['size'] = [3, 3];
      },
      'KERAS_UNSUPPORTED_CONFIG',
      'up_sampling2d_1',
      /size \[3,3\]/,
    ],
    [
      'a 5×5 kernel',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'conv2d_3')!.config['kernel_size'] = [5, 5];
      },
      'KERAS_UNSUPPORTED_CONFIG',
      'conv2d_3',
      /kernel_size \[5,5\]/,
    ],
    [
      'a tanh activation',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'activation_3')!.config['activation'] = 'tanh';
      },
      'KERAS_INCONSISTENT_MODEL',
      'activation_3',
      /expected a ReLU/,
    ],
    [
      'a residual add from the wrong layer',
      (j: KerasModelJson) => {
        j.config.layers.find((l) => l.name === 'add_1')!.inbound_nodes[0][1][0] = 'conv2d_1';
      },
      'KERAS_INCONSISTENT_MODEL',
      'add_1',
      /adds batch_normalization_2 \+ conv2d_1/,
    ],
  ])('rejects %s, naming the layer', (_, change, code, layer, pattern) => {
    let error: unknown;
    try {
      walk(edit(change));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KerasConversionError);
    expect((error as KerasConversionError).code).toBe(code);
    expect((error as KerasConversionError).layer).toBe(layer);
    expect((error as KerasConversionError).message).toMatch(pattern);
  });
});
