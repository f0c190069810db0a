import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFits } from '@enhance/core';
import { bundleFuzzCli, runFuzzCli } from './fuzz-cli-bundle.js';
import { superviseRead } from './fuzz-supervisor.js';
import { mutantAt, replayMutations } from './mutant.js';
import { seedFiles } from './seed-files.js';

interface CampaignSummary {
  count: number;
  defects: number;
  classes: Record<string, { count: number; defect: boolean; first: { index: number; message?: string } }>;
}

const scratch = mkdtempSync(join(tmpdir(), 'enhance-fits-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the fuzzer', () => {
  it('starts from seed files that all read (one of them holds no image on purpose)', () => {
    const outcomes = seedFiles().map(({ name, bytes }) => {
      try {
        const image = readFits(bytes, { file: name });
        return `${name}: ${image.width}×${image.height}`;
      } catch (error) {
        return `${name}: ${(error as { code?: string }).code}`;
      }
    });
    expect(outcomes.filter((line) => !/\d+×\d+$/.test(line))).toEqual(['no-image: FITS_NO_IMAGE']);
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
  });

  it('makes the same mutant from the same seed and index, and different ones otherwise', () => {
    const a = mutantAt(7, 123);
    expect(mutantAt(7, 123)).toEqual(a);
    expect(replayMutations(a.seedName, a.mutations)).toEqual(a.bytes);
    const others = [mutantAt(8, 123), mutantAt(7, 124)];
    for (const other of others) expect(other.bytes).not.toEqual(a.bytes);
  });
});

describe('the watchdog', () => {
  const worker = (name: string, body: string) => {
    const path = join(scratch, name);
    writeFileSync(path, `import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ type: 'ready' });\n${body}\n`);
    return pathToFileURL(path);
  };

  it('reports a read that never returns as a timeout', async () => {
    const outcome = await superviseRead('x.fits', new Uint8Array(0), {
      workerScript: worker('hang.mjs', 'for (;;) {}'),
      timeoutMs: 300,
      slowMs: 100,
      heapMb: 64,
    });
    expect(outcome).toMatchObject({ outcome: 'timeout', defect: true });
  });

  it('reports a read that exhausts the heap as out-of-memory', async () => {
    const grow = 'const kept = []; for (;;) kept.push(new Array(1e5).fill({}));';
    const outcome = await superviseRead('x.fits', new Uint8Array(0), {
      workerScript: worker('grow.mjs', grow),
      timeoutMs: 20_000,
      slowMs: 100,
      heapMb: 32,
    });
    expect(outcome).toMatchObject({ outcome: 'out-of-memory', defect: true });
  });
});

describe('a fixed-seed slice of 5,000 mutants', () => {
  let script: string;
  beforeAll(async () => {
    script = await bundleFuzzCli('fuzz-slice');
  });

  it('finds no defect: every mutant gives an image or an EnhanceError naming the file, in time', () => {
    // A generous time budget per read: the test shares a loaded machine; hangs still stop at 2 s.
    const args = [
      '--count',
      '5000',
      '--seed',
      '20250611',
      '--timeout-ms',
      '2000',
      '--slow-ms',
      '500',
      '--progress-every',
      '0',
      '--out-dir',
      join(scratch, 'out'),
    ];
    const { status, summary, stderr } = runFuzzCli<CampaignSummary>(script, args, 110_000);
    const defects = Object.entries(summary.classes).filter(([, entry]) => entry.defect);
    expect(defects, stderr).toEqual([]);
    expect(status).toBe(0);
    expect(summary.count).toBe(5000);
    // The mutants reach both the images and the reader's checks.
    expect(summary.classes['ok-image'].count).toBeGreaterThan(1000);
    for (const code of ['FITS_BAD_HEADER', 'FITS_TRUNCATED', 'FITS_CORRUPT_TILE', 'FITS_UNSUPPORTED_COMPRESSION']) {
      expect(summary.classes[`enhance-error ${code}`]?.count ?? 0, code).toBeGreaterThan(0);
    }
  });
});
