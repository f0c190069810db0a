import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type EnhanceKind } from '@enhance/core';
import { readModel } from '../onnx/read-model.js';
import { buildKerasModelJson, type KerasModelJson, type KerasModelJsonLayer } from './build-keras-model-json.js';
import { convertKerasWeights } from './convert-keras-weights.js';
import { KerasConversionError } from './keras-conversion-error.js';
import {
  mulberry32,
  randomKerasWeights,
  runEnhanceOnnx,
  writeKerasTestFile,
  type Layout,
  type TestWeight,
} from './keras-test-files.test-helper.js';

// ---------- float64 reference: interprets the Keras JSON graph on the Keras arrays (NHWC, HWIO) ----------

interface Tensor {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}

function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * n - 2 - i;
  return i;
}

function kerasLayerForward(layer: KerasModelJsonLayer, inputs: Tensor[], weights: TestWeight[] | undefined): Tensor {
  const [x] = inputs;
  const config = layer.config;
  switch (layer.class_name) {
    case 'GaussianNoise':
      return x;
    case 'ReflectionPadding2D': {
      const [[top, bottom], [left, right]] = config['padding'] as number[][];
      const h = x.h + top + bottom;
      const w = x.w + left + right;
      const data = new Float64Array(h * w * x.c);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          const sy = reflectIndex(y - top, x.h);
          const sx = reflectIndex(xx - left, x.w);
          for (let c = 0; c < x.c; c++) data[(y * w + xx) * x.c + c] = x.data[(sy * x.w + sx) * x.c + c];
        }
      }
      return { h, w, c: x.c, data };
    }
    case 'Conv2D': {
      const [kh, kw] = config['kernel_size'] as number[];
      const kernel = weights![0];
      const bias = config['use_bias'] === false ? { values: new Float32Array(config['filters'] as number) } : weights![1];
      const cout = config['filters'] as number;
      const h = x.h - kh + 1;
      const w = x.w - kw + 1;
      const data = new Float64Array(h * w * cout);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          for (let o = 0; o < cout; o++) {
            let sum = bias.values[o];
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                for (let c = 0; c < x.c; c++) {
                  sum += x.data[((y + i) * x.w + (xx + j)) * x.c + c] * kernel.values[((i * kw + j) * x.c + c) * cout + o];
                }
              }
            }
            data[(y * w + xx) * cout + o] = config['activation'] === 'relu' ? Math.max(0, sum) : sum;
          }
        }
      }
      return { h, w, c: cout, data };
    }
    case 'BatchNormalization': {
      // Keras' weight order: gamma (when scale), beta (when center), moving_mean, moving_variance.
      const stored = weights!.map((wt) => wt.values);
      const ones = new Float32Array(x.c).fill(1);
      const zeros = new Float32Array(x.c);
      const gamma = config['scale'] === false ? ones : stored.shift()!;
      const beta = config['center'] === false ? zeros : stored.shift()!;
      const [mean, variance] = stored;
      const epsilon = config['epsilon'] as number;
      const data = x.data.map((v, index) => {
        const c = index % x.c;
        return (gamma[c] * (v - mean[c])) / Math.sqrt(variance[c] + epsilon) + beta[c];
      });
      return { ...x, data };
    }
    case 'Activation':
      if (config['activation'] !== 'relu') throw new Error(`reference: activation ${String(config['activation'])}`);
      return { ...x, data: x.data.map((v) => Math.max(0, v)) };
    case 'Add':
      return { ...x, data: x.data.map((v, i) => v + inputs[1].data[i]) };
    case 'UpSampling2D': {
      const [sy, sx] = config['size'] as number[];
      const h = x.h * sy;
      const w = x.w * sx;
      const data = new Float64Array(h * w * x.c);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          for (let c = 0; c < x.c; c++) data[(y * w + xx) * x.c + c] = x.data[(Math.floor(y / sy) * x.w + Math.floor(xx / sx)) * x.c + c];
        }
      }
      return { h, w, c: x.c, data };
    }
    default:
      throw new Error(`reference: no ${layer.class_name}`);
  }
}

function kerasReferenceForward(
  json: KerasModelJson,
  weights: Map<string, TestWeight[]>,
  image: Float64Array,
  h: number,
  w: number,
): Tensor {
  const values = new Map<string, Tensor>();
  for (const layer of json.config.layers) {
    if (layer.class_name === 'InputLayer') {
      values.set(layer.name, { h, w, c: 1, data: image });
      continue;
    }
    const inputs = layer.inbound_nodes[0].map(([name]) => values.get(name)!);
    values.set(layer.name, kerasLayerForward(layer, inputs, weights.get(layer.name)));
  }
  return values.get(json.config.output_layers[0][0])!;
}

function randomImage(seed: number, n: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 0.5 + rng());
}

/** max |onnx − reference| over max |reference|. */
function relativeError(actual: Float32Array, expected: Float64Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

// ---------- the tests ----------

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function expectConversionError(promise: Promise<unknown>, code: string, layer: string | undefined, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KerasConversionError);
  expect((error as KerasConversionError).code).toBe(code);
  expect((error as KerasConversionError).layer).toBe(layer);
  expect((error as KerasConversionError).message).toMatch(pattern);
}

interface Case {
  kind: EnhanceKind;
  layout: Layout;
  depth: number;
  /** model_json: passed alongside; model_config: the full-model file's own; inferred: none. */
  architectureFrom: 'model_json' | 'model_config' | 'inferred';
}

const CASES: Case[] = [
  { kind: 'intensity', layout: 'save_weights', depth: 5, architectureFrom: 'model_json' },
  { kind: 'blos', layout: 'save_weights', depth: 5, architectureFrom: 'model_json' },
  { kind: 'intensity', layout: 'full_model', depth: 5, architectureFrom: 'model_config' },
  { kind: 'blos', layout: 'full_model', depth: 5, architectureFrom: 'model_config' },
  { kind: 'blos', layout: 'save_weights', depth: 1, architectureFrom: 'inferred' },
  { kind: 'intensity', layout: 'full_model', depth: 1, architectureFrom: 'model_json' },
];

describe('convertKerasWeights against a float64 Keras reference on random weights', () => {
  const H = 9;
  const W = 7;

  it.each(CASES)(
    '$kind, $layout, depth $depth × 4 filters, architecture from $architectureFrom',
    async ({ kind, layout, depth, architectureFrom }) => {
      const json = buildKerasModelJson({ kind, architecture: { depth, filters: 4 } });
      const weights = randomKerasWeights(json, 1000 * depth + (kind === 'blos' ? 7 : 3));
      const hdf5 = await writeKerasTestFile(json, weights, layout);
      const { onnx, report } = await convertKerasWeights({
        hdf5,
        modelJson: architectureFrom === 'model_json' ? JSON.stringify(json) : undefined,
        kind: architectureFrom === 'inferred' ? kind : undefined,
        fileName: `/data/${kind}_weights.h5`,
      });

      expect(report.architecture).toEqual({ depth, filters: 4 });
      expect(report.architectureSource).toBe(architectureFrom);
      expect(report.kind).toBe(kind);
      expect(report.kindFrom).toBe(architectureFrom === 'inferred' ? 'option' : 'training_noise');
      expect(report.layout).toBe(layout);
      expect(report.epsilon).toBe(1e-3);
      expect(report.layers.map((l) => l.kerasLayer)).toEqual(json.config.layers.filter((l) => weights.has(l.name)).map((l) => l.name));

      const image = randomImage(depth + 17, H * W);
      const expected = kerasReferenceForward(json, weights, Float64Array.from(image), H, W);
      expect([expected.h, expected.w, expected.c]).toEqual([2 * H, 2 * W, 1]);
      const actual = await runEnhanceOnnx(onnx, image, H, W);
      expect(actual.length).toBe(expected.data.length);
      expect(relativeError(actual, expected.data)).toBeLessThanOrEqual(1e-5);

      const metadata = readModel(onnx).metadata;
      expect(metadata['keras_source_file']).toBe(`${kind}_weights.h5`);
      expect(metadata['keras_source_sha256']).toBe(sha256(hdf5));
      expect(report.sha256).toBe(sha256(hdf5));
      expect(metadata['keras_version']).toBe('2.0.2');
      expect(metadata['kind']).toBe(kind);
    },
  );

  it("uses the model JSON's BatchNormalization epsilon (1e-2 here, not the default)", async () => {
    const json = buildKerasModelJson({ kind: 'intensity', architecture: { depth: 2, filters: 4 }, epsilon: 1e-2 });
    const weights = randomKerasWeights(json, 5);
    const { onnx, report } = await convertKerasWeights({ hdf5: await writeKerasTestFile(json, weights, 'save_weights'), modelJson: json });
    expect(report.epsilon).toBe(1e-2);
    const image = randomImage(3, H * W);
    const expected = kerasReferenceForward(json, weights, Float64Array.from(image), H, W);
    expect(relativeError(await runEnhanceOnnx(onnx, image, H, W), expected.data)).toBeLessThanOrEqual(1e-5);
    // The default epsilon would be visibly wrong: a variance of 2e-3 sits in every batch norm.
    const withDefault = kerasReferenceForward(
      buildKerasModelJson({ kind: 'intensity', architecture: { depth: 2, filters: 4 } }),
      weights,
      Float64Array.from(image),
      H,
      W,
    );
    expect(relativeError(await runEnhanceOnnx(onnx, image, H, W), withDefault.data)).toBeGreaterThan(1e-3);
  });

  it('pairs layers by order when the model JSON numbers its layers differently from the file', async () => {
    const json = buildKerasModelJson({ kind: 'blos', architecture: { depth: 2, filters: 4 } });
    const weights = randomKerasWeights(json, 9);
    const hdf5 = await writeKerasTestFile(json, weights, 'save_weights');
    // The same network described by a second Python session: every layer name's counter moved on.
    const renamed = JSON.parse(
      JSON.stringify(json).replace(
        /"(conv2d|batch_normalization|activation|add|reflection_padding2d)_(\d+)"/gu,
        (_, p, n) => `"${p}_${Number(n) + 20}"`,
      ),
    ) as KerasModelJson;
    const { onnx, report } = await convertKerasWeights({ hdf5, modelJson: renamed });
    expect(report.layersMatchedBy).toBe('order');
    expect(report.warnings.join(' ')).toMatch(/paired by order/);
    expect(report.layers[0]).toMatchObject({ kerasLayer: 'conv2d_1', modelJsonLayer: 'conv2d_21' });
    const image = randomImage(4, H * W);
    expect(
      relativeError(await runEnhanceOnnx(onnx, image, H, W), kerasReferenceForward(json, weights, Float64Array.from(image), H, W).data),
    ).toBeLessThanOrEqual(1e-5);
  });
});

describe('convertKerasWeights refuses inconsistent files, naming the layer', () => {
  const json = buildKerasModelJson({ kind: 'intensity', architecture: { depth: 1, filters: 4 } });
  const weights = randomKerasWeights(json, 21);

  it('a kernel of the wrong shape', async () => {
    const broken = new Map(weights);
    const [kernel, bias] = broken.get('conv2d_3')!;
    broken.set('conv2d_3', [{ ...kernel, shape: [3, 3, 4, 5], values: new Float32Array(180) }, bias]);
    await expectConversionError(
      convertKerasWeights({ hdf5: await writeKerasTestFile(json, broken, 'save_weights'), modelJson: json, fileName: 'w.h5' }),
      'KERAS_SHAPE_MISMATCH',
      'conv2d_3',
      /^w\.h5: layer 'conv2d_3': weight 'conv2d_3\/kernel:0' has shape \[3, 3, 4, 5\], expected \[3, 3, 4, 4\]/,
    );
  });

  it('a batch norm without its moving variance', async () => {
    const broken = new Map(weights);
    broken.set('batch_normalization_1', broken.get('batch_normalization_1')!.slice(0, 3));
    await expectConversionError(
      convertKerasWeights({ hdf5: await writeKerasTestFile(json, broken, 'save_weights'), modelJson: json }),
      'KERAS_MISSING_WEIGHT',
      'batch_normalization_1',
      /BatchNormalization weight 'moving_variance' is missing/,
    );
  });

  it('a layer class the Enhance network does not have', async () => {
    const strange = JSON.parse(JSON.stringify(json)) as KerasModelJson;
    strange.config.layers.find((l) => l.name === 'activation_1')!.class_name = 'PReLU';
    await expectConversionError(
      convertKerasWeights({
        hdf5: await writeKerasTestFile(json, weights, 'save_weights'),
        modelJson: strange,
        modelJsonFileName: 'model.json',
      }),
      'KERAS_UNKNOWN_LAYER',
      'activation_1',
      /^model\.json: layer 'activation_1': unknown layer class 'PReLU'/,
    );
  });

  it('a file that is not HDF5', async () => {
    await expectConversionError(
      convertKerasWeights({ hdf5: new Uint8Array(4096).fill(7), fileName: 'x.h5' }),
      'KERAS_NOT_HDF5',
      undefined,
      /^x\.h5: not an HDF5 file/,
    );
  });

  it('weights of unknown kind with nothing to tell it', async () => {
    await expectConversionError(
      convertKerasWeights({ hdf5: await writeKerasTestFile(json, weights, 'save_weights'), fileName: 'weights.h5' }),
      'KERAS_UNSUPPORTED_CONFIG',
      undefined,
      /cannot tell whether these are intensity or blos weights/,
    );
  });
});

describe('convertKerasWeights on less common Keras files', () => {
  const H = 6;
  const W = 5;
  const check = async (
    json: KerasModelJson,
    weights: Map<string, TestWeight[]>,
    hdf5: Uint8Array,
    modelJson: KerasModelJson | undefined,
    kind?: EnhanceKind,
  ) => {
    const { onnx, report } = await convertKerasWeights({ hdf5, modelJson, kind });
    const image = randomImage(8, H * W);
    expect(
      relativeError(await runEnhanceOnnx(onnx, image, H, W), kerasReferenceForward(json, weights, Float64Array.from(image), H, W).data),
    ).toBeLessThanOrEqual(1e-5);
    return report;
  };

  it('batch norms with different epsilons: one ONNX epsilon, variances shifted to compute the same', async () => {
    const json = buildKerasModelJson({ kind: 'intensity', architecture: { depth: 2, filters: 4 } });
    json.config.layers.find((l) => l.name === 'batch_normalization_2')!.config['epsilon'] = 0.05;
    json.config.layers.find((l) => l.name === 'batch_normalization_5')!.config['epsilon'] = 1e-5;
    const weights = randomKerasWeights(json, 41);
    const report = await check(json, weights, await writeKerasTestFile(json, weights, 'save_weights'), json);
    expect(report.epsilon).toBe(1e-3);
    expect(report.warnings.join(' ')).toMatch(/2 BatchNormalization layers have an epsilon other than 0.001/);
  });

  it('convs without bias and batch norms without gamma/beta (use_bias, center, scale false)', async () => {
    const json = buildKerasModelJson({ kind: 'blos', architecture: { depth: 1, filters: 4 } });
    json.config.layers.find((l) => l.name === 'conv2d_2')!.config['use_bias'] = false;
    json.config.layers.find((l) => l.name === 'conv2d_6')!.config['use_bias'] = false;
    Object.assign(json.config.layers.find((l) => l.name === 'batch_normalization_1')!.config, { center: false, scale: false });
    json.config.layers.find((l) => l.name === 'batch_normalization_3')!.config['center'] = false;
    const weights = randomKerasWeights(json, 42);
    expect(weights.get('batch_normalization_1')!.map((w) => w.name)).toEqual([
      'batch_normalization_1/moving_mean:0',
      'batch_normalization_1/moving_variance:0',
    ]);
    await check(json, weights, await writeKerasTestFile(json, weights, 'full_model'), undefined);
  });

  it("generic weight names ('param_0', ...) in Keras' order, and layer_names split into chunks", async () => {
    const json = buildKerasModelJson({ kind: 'intensity', architecture: { depth: 2, filters: 4 } });
    const weights = randomKerasWeights(json, 43);
    const generic = new Map([...weights].map(([layer, list]) => [layer, list.map((w, i) => ({ ...w, name: `param_${i}` }))]));
    const report = await check(json, weights, await writeKerasTestFile(json, generic, 'save_weights', { chunkedLayerNames: true }), json);
    expect(report.layers.find((l) => l.kerasLayer === 'batch_normalization_2')!.weights).toEqual([
      'param_0',
      'param_1',
      'param_2',
      'param_3',
    ]);
  });
});
