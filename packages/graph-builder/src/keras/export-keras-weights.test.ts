import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import h5wasm, { type Dataset as H5Dataset, type Group as H5Group } from 'h5wasm';
import { createEnhanceModel, loadEnhanceWeights } from '../networks/enhance-model.js';
import { initializeEnhanceWeights } from '../networks/enhance-weights.js';
import { convertKerasWeights } from './convert-keras-weights.js';
import { exportKerasWeights } from './export-keras-weights.js';
import { KerasConversionError } from './keras-conversion-error.js';
import { runEnhanceOnnx } from './keras-test-files.test-helper.js';
import type { CliIo } from '../cli/cli-command.js';
import { kerasConvertCommand, kerasExportCommand } from './keras-cli-commands.js';

const architecture = { depth: 2, filters: 3 };

function randomModel(kind: 'intensity' | 'blos', seed: number, options: { foldBatchNorm?: boolean; epsilon?: number } = {}) {
  const weights = initializeEnhanceWeights(architecture, { seed, batchNorm: 'random', bias: 'random' });
  return { weights, onnx: createEnhanceModel({ kind, architecture, weights, provenance: 'test', ...options }) };
}

async function openHdf5<T>(bytes: Uint8Array, read: (file: h5wasm.File) => T): Promise<T> {
  const { FS } = await h5wasm.ready;
  const path = `/export-test-${Math.random().toString(36).slice(2)}.h5`;
  FS.writeFile(path, bytes);
  const file = new h5wasm.File(path, 'r');
  try {
    return read(file);
  } finally {
    file.close();
    FS.unlink(path);
  }
}

describe('exportKerasWeights', () => {
  it.each(['save_weights', 'full_model'] as const)('%s: ONNX → Keras → ONNX gives identical tensors', async (layout) => {
    const { weights, onnx } = randomModel('blos', 31);
    const exported = await exportKerasWeights({ onnx, layout });
    expect(exported.kind).toBe('blos');
    expect(exported.weightsFileName).toBe(layout === 'save_weights' ? 'blos_weights.hdf5' : 'blos_model.hdf5');
    const back = await convertKerasWeights({ hdf5: exported.hdf5, modelJson: layout === 'save_weights' ? exported.modelJson : undefined });
    expect(back.report.architectureSource).toBe(layout === 'save_weights' ? 'model_json' : 'model_config');
    const again = loadEnhanceWeights(back.onnx);
    expect(Object.keys(again.weights).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, values] of Object.entries(weights)) expect(again.weights[name], name).toEqual(values);
    expect(again.kind).toBe('blos');
  });

  it('round-trips without the JSON too (architecture inferred from the weights)', async () => {
    const { weights, onnx } = randomModel('intensity', 32);
    const exported = await exportKerasWeights({ onnx });
    const back = await convertKerasWeights({ hdf5: exported.hdf5, fileName: exported.weightsFileName });
    expect(back.report.kindFrom).toBe('file_name');
    const again = loadEnhanceWeights(back.onnx).weights;
    for (const [name, values] of Object.entries(weights)) expect(again[name], name).toEqual(values);
  });

  it('writes what Keras 2.0.2 save_weights writes: fixed-length names in model order, kernels (kh, kw, in, out)', async () => {
    const { weights, onnx } = randomModel('intensity', 33);
    const exported = await exportKerasWeights({ onnx });
    const json = JSON.parse(exported.modelJson);
    const layerNames = json.config.layers.map((l: { name: string }) => l.name);
    expect(json.config.layers.find((l: { class_name: string }) => l.class_name === 'BatchNormalization').config.epsilon).toBe(0.001);
    expect(layerNames.filter((n: string) => n.startsWith('conv2d_'))).toEqual(
      Array.from({ length: 2 * architecture.depth + 4 }, (_, i) => `conv2d_${i + 1}`),
    );
    expect(layerNames.filter((n: string) => n.startsWith('batch_normalization_'))).toHaveLength(2 * architecture.depth + 1);
    await openHdf5(exported.hdf5, (file) => {
      const names = file.attrs['layer_names'];
      expect(names.value).toEqual(layerNames);
      // Keras 2 calls .decode('utf8') on these: fixed-length byte strings, not variable-length.
      expect(names.metadata.vlen).toBe(false);
      expect(file.attrs['keras_version'].value).toBe('2.0.2');
      expect(file.attrs['backend'].value).toBe('tensorflow');
      const relu = file.get('activation_1') as H5Group;
      expect(relu.attrs['weight_names'].shape).toEqual([0]);
      expect((file.get('conv2d_2') as H5Group).attrs['weight_names'].value).toEqual(['conv2d_2/kernel:0', 'conv2d_2/bias:0']);
      expect((file.get('batch_normalization_3') as H5Group).attrs['weight_names'].value).toEqual(
        ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => `batch_normalization_3/${w}:0`),
      );
      // batch_normalization_3 is block 2's first batch norm.
      expect((file.get('batch_normalization_3/batch_normalization_3/moving_variance:0') as H5Dataset).value).toEqual(
        weights['blocks.1.bn1.var'],
      );
      const kernel = file.get('conv2d_3/conv2d_3/kernel:0') as H5Dataset;
      expect(kernel.shape).toEqual([3, 3, 3, 3]);
      expect(kernel.dtype).toBe('<f');
      const onnxWeight = weights['blocks.0.conv2.weight'];
      const keras = kernel.value as Float32Array;
      const f = architecture.filters;
      for (let o = 0; o < f; o++)
        for (let c = 0; c < f; c++)
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              expect(keras[((i * 3 + j) * f + c) * f + o]).toBe(onnxWeight[((o * f + c) * 3 + i) * 3 + j]);
            }
    });
  });

  it('exports a model with folded batch norms as identity batch norms that compute the same', async () => {
    const { onnx } = randomModel('intensity', 34, { foldBatchNorm: true });
    const exported = await exportKerasWeights({ onnx });
    const back = await convertKerasWeights({ hdf5: exported.hdf5, modelJson: exported.modelJson });
    const image = Float32Array.from({ length: 6 * 5 }, (_, i) => 1 + 0.3 * Math.sin(i));
    const a = await runEnhanceOnnx(onnx, image, 6, 5);
    const b = await runEnhanceOnnx(back.onnx, image, 6, 5);
    const scale = Math.max(...a.map(Math.abs));
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale).toBeLessThanOrEqual(1e-5);
  });

  it("keeps the model's epsilon in the JSON", async () => {
    const { onnx } = randomModel('intensity', 35, { epsilon: 1e-5 });
    const exported = await exportKerasWeights({ onnx });
    const json = JSON.parse(exported.modelJson);
    expect(
      new Set(
        json.config.layers
          .filter((l: { class_name: string }) => l.class_name === 'BatchNormalization')
          .map((l: { config: { epsilon: number } }) => l.config.epsilon),
      ),
    ).toEqual(new Set([1e-5]));
  });

  it('refuses an ONNX file that is not an Enhance model', async () => {
    const error = await exportKerasWeights({ onnx: new Uint8Array([8, 1, 18, 0]), fileName: 'other.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KerasConversionError);
    expect((error as KerasConversionError).code).toBe('KERAS_BAD_ONNX');
    expect((error as KerasConversionError).message).toMatch(/^other\.onnx: not an Enhance ONNX model/);
  });
});

function captureIo(): CliIo & { out: () => string } {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { stdout: sink, stderr: sink, out: () => text };
}

describe('CLI commands convert and export-keras', () => {
  // Folders in the temp directory; removed after the tests, and checked gone: runs must not pile them up.
  const scratchFolders: string[] = [];
  const scratchFolder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enhance-keras-'));
    scratchFolders.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(scratchFolders.map((dir) => rm(dir, { recursive: true, force: true })));
    expect(scratchFolders.filter((dir) => existsSync(dir))).toEqual([]);
  });

  it('export-keras then convert through files; both refuse to overwrite without --force', async () => {
    const dir = await scratchFolder();
    const { weights, onnx } = randomModel('blos', 36);
    await writeFile(join(dir, 'model.onnx'), onnx);
    const out = join(dir, 'keras');
    expect(await kerasExportCommand.run([join(dir, 'model.onnx'), '-o', out], captureIo())).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['blos_model.json', 'blos_weights.hdf5']);
    await expect(kerasExportCommand.run([join(dir, 'model.onnx'), '-o', out], captureIo())).rejects.toMatchObject({
      code: 'KERAS_OUTPUT_EXISTS',
    });
    expect(await kerasExportCommand.run([join(dir, 'model.onnx'), '-o', out, '--force'], captureIo())).toBe(0);

    const converted = join(dir, 'converted.onnx');
    const io = captureIo();
    const args = ['--keras', join(out, 'blos_weights.hdf5'), '--model-json', join(out, 'blos_model.json'), '-o', converted];
    expect(await kerasConvertCommand.run(args, io)).toBe(0);
    expect(io.out()).toMatch(/blos: 2 blocks × 3 filters \(from the model JSON\)/);
    const again = loadEnhanceWeights(new Uint8Array(await readFile(converted))).weights;
    for (const [name, values] of Object.entries(weights)) expect(again[name], name).toEqual(values);
    const before = await readFile(converted);
    await expect(kerasConvertCommand.run(args, captureIo())).rejects.toMatchObject({ code: 'KERAS_OUTPUT_EXISTS' });
    expect(await readFile(converted)).toEqual(before);
  });

  it('convert writes nothing when the weights are refused', async () => {
    const dir = await scratchFolder();
    await writeFile(join(dir, 'bad.h5'), 'not hdf5 at all');
    await expect(
      kerasConvertCommand.run(['--keras', join(dir, 'bad.h5'), '--kind', 'blos', '-o', join(dir, 'out.onnx')], captureIo()),
    ).rejects.toMatchObject({ code: 'KERAS_NOT_HDF5' });
    expect(await readdir(dir)).toEqual(['bad.h5']);
  });

  it('rejects a command line it cannot act on', async () => {
    await expect(kerasConvertCommand.run(['--keras', 'w.h5'], captureIo())).rejects.toMatchObject({ code: 'CLI_USAGE' });
    await expect(kerasConvertCommand.run(['--keras', 'w.h5', '-o', 'x.onnx', '--kind', 'vector'], captureIo())).rejects.toThrow(
      /--kind "vector": expected one of intensity, blos/,
    );
  });
});
