import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestWriter, manifestName, readManifests, vouchesFor } from './batch-manifest.js';
import type { ManifestRecord, OutputSettings } from './batch-manifest.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'enhance-manifest-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const settings: OutputSettings = {
  scale: 'auto',
  tileSize: null,
  maxMemoryMB: null,
  precision: null,
  qa: false,
  tta: 1,
  limbNormalisation: 'off',
};

function record(status: ManifestRecord['status'], output: string, overrides: Partial<ManifestRecord> = {}): ManifestRecord {
  return {
    status,
    input: `/data/${output.replace('.enhanced', '')}`,
    inputSha256: 'a'.repeat(64),
    inputBytes: 100,
    output: `/out/${output}`,
    outputSha256: 'b'.repeat(64),
    outputBytes: 400,
    kind: 'intensity',
    model: 'enhance-intensity.onnx',
    modelSha256: 'c'.repeat(64),
    settings,
    device: 'cpu',
    qa: null,
    time: '2026-01-01T00:00:00.000Z',
    seconds: 1,
    error: null,
    host: 'h',
    pid: 1,
    version: '0.1.0',
    ...overrides,
  };
}

describe('manifests', () => {
  it('appends whole lines and reads back what vouches for outputs, by output name, from every manifest in the folder', async () => {
    const writer = await ManifestWriter.open(join(folder, manifestName()));
    await Promise.all([
      writer.append(record('writing', 'x.enhanced.fits')),
      writer.append(record('done', 'x.enhanced.fits')),
      writer.append(record('failed', 'y.enhanced.fits')),
    ]);
    await writer.close();
    const other = await ManifestWriter.open(join(folder, manifestName('shard-1-of-2')));
    await other.append(record('done', 'z.enhanced.fits'));
    await other.close();
    writeFileSync(join(folder, 'notes.jsonl'), `${JSON.stringify(record('done', 'ignored.enhanced.fits'))}\n`);

    const lines = readFileSync(join(folder, 'manifest.jsonl'), 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((line) => JSON.parse(line).status)).toEqual(['writing', 'done', 'failed']);
    const index = await readManifests(folder);
    expect([...index.byOutput.keys()].sort()).toEqual(['x.enhanced.fits', 'z.enhanced.fits']);
    expect(index.byOutput.get('x.enhanced.fits')!.map((line) => line.status)).toEqual(['writing', 'done']);
    expect(index.unreadable).toEqual([]);
  });

  it('tolerates a line cut short by a kill, and starts the next line on a line of its own', async () => {
    const path = join(folder, manifestName());
    writeFileSync(path, `${JSON.stringify(record('done', 'x.enhanced.fits'))}\n{"status":"wri`);
    expect([...(await readManifests(folder)).byOutput.keys()]).toEqual(['x.enhanced.fits']);
    expect((await readManifests(folder)).unreadable).toEqual([]);

    const writer = await ManifestWriter.open(path);
    await writer.append(record('done', 'y.enhanced.fits'));
    await writer.close();
    const index = await readManifests(folder);
    expect([...index.byOutput.keys()].sort()).toEqual(['x.enhanced.fits', 'y.enhanced.fits']);
    // The cut line is now a whole (unreadable) line in the middle, reported, not fatal.
    expect(index.unreadable).toEqual(['manifest.jsonl:2']);
    appendFileSync(path, 'not json\n');
    expect((await readManifests(folder)).unreadable).toEqual(['manifest.jsonl:2', 'manifest.jsonl:4']);
  });

  it('a line vouches for a file only with its size and digest, the input, the model and the settings all the same', () => {
    const line = record('done', 'x.enhanced.fits');
    const file = { bytes: 400, sha256: 'b'.repeat(64) };
    const identity = { inputSha256: 'a'.repeat(64), modelSha256: 'c'.repeat(64), settings };
    expect(vouchesFor(line, file, identity)).toBe(true);
    expect(vouchesFor(line, { ...file, bytes: 401 }, identity)).toBe(false);
    expect(vouchesFor(line, { ...file, sha256: 'd'.repeat(64) }, identity)).toBe(false);
    expect(vouchesFor(line, file, { ...identity, inputSha256: 'd'.repeat(64) })).toBe(false);
    expect(vouchesFor(line, file, { ...identity, modelSha256: 'd'.repeat(64) })).toBe(false);
    expect(vouchesFor(line, file, { ...identity, settings: { ...settings, scale: 2 } })).toBe(false);
    expect(vouchesFor(line, file, { ...identity, settings: { ...settings, tileSize: 256 } })).toBe(false);
    for (const changed of [
      { precision: 'int8' as const },
      { precision: 'fp32' as const },
      { qa: true },
      { tta: 4 as const },
      { limbNormalisation: 'auto' as const },
    ]) {
      expect(vouchesFor(line, file, { ...identity, settings: { ...settings, ...changed } }), JSON.stringify(changed)).toBe(false);
    }
  });

  it('reads a line written before the precision and quality options as made without them', () => {
    const { scale, tileSize, maxMemoryMB } = settings;
    const earlier = record('done', 'x.enhanced.fits', { settings: { scale, tileSize, maxMemoryMB } as OutputSettings });
    const file = { bytes: 400, sha256: 'b'.repeat(64) };
    const identity = { inputSha256: 'a'.repeat(64), modelSha256: 'c'.repeat(64), settings };
    expect(vouchesFor(earlier, file, identity)).toBe(true);
    expect(vouchesFor(earlier, file, { ...identity, settings: { ...settings, tta: 8 } })).toBe(false);
  });
});
