import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TrainingError } from './training-error.js';

export const CHECKPOINT_FORMAT = 'enhance-training-checkpoint-v1';

export interface StoredTensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into the .bin file. */
  offset: number;
  length: number;
}

/**
 * A checkpoint is two files: `<prefix>.json` (the manifest, written last) and `<prefix>.bin` (every
 * tensor as little-endian float32, back to back). The layout is deliberately plain so that any tool
 * (numpy.fromfile, a driver on another machine) can read and write it.
 */
export interface CheckpointManifest<Extra> {
  format: typeof CHECKPOINT_FORMAT;
  tensors: StoredTensorEntry[];
  extra: Extra;
}

export interface Checkpoint<Extra> {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  extra: Extra;
}

/** Writes atomically: each file goes to a temporary name and is renamed, the manifest last. */
export async function writeCheckpoint<Extra>(
  dir: string,
  prefix: string,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  extra: Extra,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries: StoredTensorEntry[] = [];
  let total = 0;
  for (const [name, t] of tensors) {
    entries.push({ name, shape: [...t.shape], offset: total, length: t.data.length });
    total += t.data.length;
  }
  const all = new Float32Array(total);
  for (const e of entries) all.set(tensors.get(e.name)!.data, e.offset);
  const bytes = new Uint8Array(all.buffer);
  if (!littleEndian()) throw new TrainingError({ message: 'checkpoints are little-endian; this machine is not', code: 'TRAIN_BAD_OPTION' });
  const binPath = join(dir, `${prefix}.bin`);
  const jsonPath = join(dir, `${prefix}.json`);
  await writeFile(`${binPath}.tmp`, bytes);
  await rename(`${binPath}.tmp`, binPath);
  const manifest: CheckpointManifest<Extra> = { format: CHECKPOINT_FORMAT, tensors: entries, extra };
  await writeFile(`${jsonPath}.tmp`, JSON.stringify(manifest, null, 1));
  await rename(`${jsonPath}.tmp`, jsonPath);
}

export function checkpointExists(dir: string, prefix: string): boolean {
  return existsSync(join(dir, `${prefix}.json`)) && existsSync(join(dir, `${prefix}.bin`));
}

export async function readCheckpoint<Extra>(dir: string, prefix: string): Promise<Checkpoint<Extra>> {
  const jsonPath = join(dir, `${prefix}.json`);
  const binPath = join(dir, `${prefix}.bin`);
  if (!checkpointExists(dir, prefix)) {
    throw new TrainingError({
      message: `no checkpoint '${prefix}' (.json + .bin) in this directory`,
      code: 'TRAIN_CHECKPOINT_MISSING',
      file: dir,
    });
  }
  let manifest: CheckpointManifest<Extra>;
  try {
    manifest = JSON.parse(await readFile(jsonPath, 'utf8')) as CheckpointManifest<Extra>;
  } catch (cause) {
    throw new TrainingError({
      message: 'the checkpoint manifest is not valid JSON',
      code: 'TRAIN_CHECKPOINT_CORRUPT',
      file: jsonPath,
      cause,
    });
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new TrainingError({
      message: `format '${String(manifest.format)}', expected '${CHECKPOINT_FORMAT}'`,
      code: 'TRAIN_CHECKPOINT_CORRUPT',
      file: jsonPath,
    });
  }
  const raw = await readFile(binPath);
  const expectedElements = manifest.tensors.reduce((n, e) => Math.max(n, e.offset + e.length), 0);
  if (raw.byteLength !== expectedElements * 4) {
    throw new TrainingError({
      message: `${raw.byteLength} bytes, but the manifest describes ${expectedElements} float32 values (${expectedElements * 4} bytes)`,
      code: 'TRAIN_CHECKPOINT_CORRUPT',
      file: binPath,
    });
  }
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of manifest.tensors) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length) {
      throw new TrainingError({
        message: `tensor '${e.name}' has shape [${e.shape.join(', ')}] but ${e.length} values`,
        code: 'TRAIN_CHECKPOINT_CORRUPT',
        file: jsonPath,
      });
    }
    tensors.set(e.name, { shape: e.shape, data: all.slice(e.offset, e.offset + e.length) });
  }
  return { tensors, extra: manifest.extra };
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
