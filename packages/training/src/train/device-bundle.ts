import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFits, type EnhanceKind } from '@enhance/core';
import { buildEnhanceNetwork, buildEnhanceTrainingStep, cropPlane, GraphBuilder, type ImagePlane } from '@enhance/graph-builder';
import {
  degradePair, INPUT_PATCH_SIZE, INTENSITY_VALIDATION_REGION, largestValidRectangle, MURAM_FILE, MURAM_PIXEL_SCALE_ARCSEC,
  NIRIS_CROP_MARGIN_PX, NIRIS_FILES, NIRIS_PIXEL_SCALE_ARCSEC, NIRIS_VALIDATION_FILE, readNpy, type TrainingSet,
} from '../data/index.js';
import { TrainingError } from './training-error.js';
import type { TrainOptions } from './train-options.js';

/*
 * A self-contained bundle for running the same training step on another machine (e.g. a GPU host
 * driving the ONNX graph from Python): the step model, the validation model (parameters as inputs),
 * the degraded training planes with their allowed window origins, and the fixed validation patches.
 * The training planes are rebuilt with the data module's own functions and checked against the
 * validation images `loadTrainingSet` returns, so both describe the same data.
 */

interface PlaneSource {
  file: string;
  input: ImagePlane;
  target: ImagePlane;
  origins: [number, number][];
}

function overlapsRegion(x: number, y: number, region: { x: number; y: number; width: number; height: number }): boolean {
  const s = INPUT_PATCH_SIZE;
  return x < region.x + region.width && region.x < x + s && y < region.y + region.height && region.y < y + s;
}

function allOrigins(width: number, height: number, allowed: (x: number, y: number) => boolean = () => true): [number, number][] {
  const origins: [number, number][] = [];
  for (let y = 0; y + INPUT_PATCH_SIZE <= height; y++) for (let x = 0; x + INPUT_PATCH_SIZE <= width; x++) if (allowed(x, y)) origins.push([x, y]);
  return origins;
}

function sameValues(a: ImagePlane, b: ImagePlane): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i] - b.data[i]) > 1e-12 * Math.max(1, Math.abs(b.data[i]))) return false;
  return true;
}

async function trainingPlanes(kind: EnhanceKind, sharedDir: string, set: TrainingSet): Promise<PlaneSource[]> {
  const read = async (file: string) => new Uint8Array(await readFile(join(sharedDir, 'data', 'train', file)));
  const mismatch = (file: string) => new TrainingError({
    message: 'the rebuilt training plane differs from the validation image of loadTrainingSet; the bundle would not match the data module',
    code: 'TRAIN_CHECKPOINT_MISMATCH',
    file,
  });
  if (kind === 'intensity') {
    const array = readNpy(await read(MURAM_FILE), { file: MURAM_FILE });
    const [height, width] = array.shape;
    let sum = 0;
    for (let i = 0; i < array.data.length; i++) sum += array.data[i];
    const mean = sum / array.data.length;
    const pair = degradePair({ width, height, data: Float64Array.from(array.data, (v) => v / mean) }, { sourceScaleArcsec: MURAM_PIXEL_SCALE_ARCSEC, boundary: 'periodic', file: MURAM_FILE });
    const r = INTENSITY_VALIDATION_REGION;
    if (!sameValues(cropPlane(pair.input, r.x, r.y, r.width, r.height), set.validation.images[0].input)) throw mismatch(MURAM_FILE);
    return [{ file: MURAM_FILE, input: pair.input, target: pair.target, origins: allOrigins(pair.input.width, pair.input.height, (x, y) => !overlapsRegion(x, y, r)) }];
  }
  const sources: PlaneSource[] = [];
  for (const file of NIRIS_FILES) {
    const image = readFits(await read(file), { file, precision: 'float64' });
    const valid = new Uint8Array(image.width * image.height);
    for (let i = 0; i < valid.length; i++) valid[i] = Number.isFinite(image.data[i]) && image.data[i] !== 0 ? 1 : 0;
    const rect = largestValidRectangle(valid, image.width, image.height);
    const m = NIRIS_CROP_MARGIN_PX;
    const gauss = cropPlane({ width: image.width, height: image.height, data: image.data }, rect.x + m, rect.y + m, rect.width - 2 * m, rect.height - 2 * m);
    const pair = degradePair({ width: gauss.width, height: gauss.height, data: gauss.data.map((v) => v / 1000) }, { sourceScaleArcsec: NIRIS_PIXEL_SCALE_ARCSEC, boundary: 'reflect', file });
    if (file === NIRIS_VALIDATION_FILE) {
      if (!sameValues(pair.input, set.validation.images[0].input)) throw mismatch(file);
      continue;
    }
    sources.push({ file, input: pair.input, target: pair.target, origins: allOrigins(pair.input.width, pair.input.height) });
  }
  return sources;
}

/** Writes the bundle into `dir`: step.onnx, validation.onnx, data.json + data.bin. Returns the file names. */
export async function writeDeviceBundle(dir: string, options: TrainOptions, set: TrainingSet, sharedDir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const step = buildEnhanceTrainingStep({ architecture: options.architecture, batchSize: options.batchSize, patchSize: INPUT_PATCH_SIZE, l2: options.l2 });
  await writeFile(join(dir, 'step.onnx'), step.model);
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: ['N', 1, INPUT_PATCH_SIZE, INPUT_PATCH_SIZE] });
  const output = buildEnhanceNetwork(b, image, { architecture: options.architecture, parameter: (spec) => b.input(spec.name, { dataType: 'float32', shape: spec.shape }) });
  await writeFile(join(dir, 'validation.onnx'), b.build({ outputs: { enhanced: output } }));

  const sources = await trainingPlanes(options.kind, sharedDir, set);
  const chunks: Float32Array[] = [];
  let offset = 0;
  const place = (data: ArrayLike<number>) => {
    const f = Float32Array.from(data);
    chunks.push(f);
    const at = offset;
    offset += f.length;
    return { offset: at, length: f.length };
  };
  const manifest = {
    kind: options.kind,
    patchSize: INPUT_PATCH_SIZE,
    inputNoiseSigma: set.info.inputNoiseSigma,
    sources: sources.map((s) => ({
      file: s.file,
      input: { width: s.input.width, height: s.input.height, ...place(s.input.data) },
      target: { width: s.target.width, height: s.target.height, ...place(s.target.data) },
      origins: place(s.origins.flat()),
    })),
    validation: { count: set.validation.patches.count, inputs: place(set.validation.patches.inputs), targets: place(set.validation.patches.targets) },
  };
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.length; }
  await writeFile(join(dir, 'data.bin'), new Uint8Array(all.buffer));
  await writeFile(join(dir, 'data.json'), JSON.stringify(manifest));
  return ['step.onnx', 'validation.onnx', 'data.json', 'data.bin'];
}
