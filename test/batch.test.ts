// `enhance batch` end to end, on the bundled CLI: many files in one process, the manifest, resuming
// (after a rerun, a SIGKILL and a SIGINT), bad files, shards. Small random-weight models and images keep
// it fast; what is checked is the real thing: the files on disk, byte for byte against `enhance run`.
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHdus } from '@enhance/core';
import { writeQaModelsFolder } from '@enhance/test-support';
import { bundleCli } from './cli-support/bundle-cli.js';
import { CliProcess, runCli } from './cli-support/cli-process.js';
import { randomLiteModel } from './cli-support/random-model.js';
import { continuumFits } from './cli-support/solar-images.js';

let cli: string;
let folder: string;
let model: string;
/** Models folders: none at all; the quality check's model only; the shipped int8 lite model and the quality check's files. */
let noModels: string;
let qaModels: string;
let shippedModels: string;

beforeAll(async () => {
  cli = await bundleCli('enhance-batch-test');
  folder = mkdtempSync(join(tmpdir(), 'enhance-batch-'));
  model = join(folder, 'intensity-lite.onnx');
  const modelBytes = randomLiteModel('intensity');
  writeFileSync(model, modelBytes);
  noModels = join(folder, 'no-models');
  mkdirSync(noModels);
  qaModels = writeQaModelsFolder(join(folder, 'qa-models'), modelBytes);
  // Copies, so that models/ being regenerated meanwhile cannot make run and batch differ.
  shippedModels = join(folder, 'shipped-models');
  mkdirSync(shippedModels);
  for (const name of ['enhance-intensity-lite-int8.onnx', 'hmi-redegrade.onnx', 'qa-reference.json'])
    copyFileSync(new URL(`../models/${name}`, import.meta.url), join(shippedModels, name));
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const env = (modelsDir = noModels) => ({ ...process.env, ENHANCE_MODELS_DIR: modelsDir });
const enhance = (args: string[], { timeoutMs = 90_000, modelsDir = noModels } = {}) =>
  runCli(cli, args, { cwd: folder, env: env(modelsDir), timeoutMs });
const start = (args: string[]) => new CliProcess(cli, args, { cwd: folder, env: env() });

/** A folder of `count` distinct continuum images of `size`². */
function inputFolder(name: string, count: number, size = 40, prefix = 'frame'): string[] {
  const path = join(folder, name);
  mkdirSync(path, { recursive: true });
  return Array.from({ length: count }, (_, k) => {
    const file = join(path, `${prefix}${k}.fits`);
    writeFileSync(file, continuumFits(size, k + 10 * count));
    return file;
  });
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const outputOf = (outDir: string, input: string) => join(outDir, input.replace(/^.*\//, '').replace(/\.fits$/, '.enhanced.fits'));

interface Line {
  status: string;
  input: string;
  inputSha256: string | null;
  output: string;
  outputSha256: string | null;
  outputBytes: number | null;
  model: string | null;
  modelSha256: string | null;
  settings: Record<string, unknown>;
  device: string | null;
  qa: Record<string, unknown> | null;
  time: string;
  error: string | null;
}

function manifest(outDir: string, name = 'manifest.jsonl'): Line[] {
  return readFileSync(join(outDir, name), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as Line);
}

/** `enhance run` on each input: the single-file command the batch must agree with, byte for byte. */
async function references(
  inputs: string[],
  name: string,
  options: string[] = ['--model', model],
  modelsDir = noModels,
): Promise<Map<string, Buffer>> {
  const outDir = join(folder, name);
  mkdirSync(outDir);
  const bytes = new Map<string, Buffer>();
  for (const input of inputs) {
    const output = outputOf(outDir, input);
    const { code, stderr } = await enhance(['run', input, '-o', output, ...options], { modelsDir });
    expect(code, stderr).toBe(0);
    bytes.set(input, readFileSync(output));
  }
  return bytes;
}

const strays = (outDir: string) => readdirSync(outDir).filter((name) => name.endsWith('.tmp'));

describe('enhance batch', () => {
  it('enhances a folder and a list in one process: outputs byte-identical to enhance run, a manifest line per file, inputs untouched', async () => {
    const inputs = inputFolder('plain', 3);
    const listed = inputFolder('listed', 1, 40, 'listed');
    writeFileSync(join(folder, 'list.txt'), `# one more\n\nlisted/${listed[0].replace(/^.*\//, '')}\n`);
    const inputBytes = inputs.map((input) => readFileSync(input));
    const expected = await references([...inputs, ...listed], 'plain-reference');
    const outDir = join(folder, 'plain-out');

    const { code, stdout, stderr } = await enhance(['batch', 'plain', '@list.txt', '--out-dir', outDir, '--model', model, '--json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ files: 4, enhanced: 4, skipped: 0, failed: 0, interrupted: false });
    for (const input of [...inputs, ...listed])
      expect(readFileSync(outputOf(outDir, input)).equals(expected.get(input)!), input).toBe(true);
    inputs.forEach((input, k) => expect(readFileSync(input).equals(inputBytes[k])).toBe(true));

    const lines = manifest(outDir);
    const done = lines.filter((line) => line.status === 'done');
    expect(done.map((line) => line.input).sort()).toEqual([...inputs, ...listed].sort());
    const modelSha = sha256(model);
    for (const line of done) {
      expect(line).toMatchObject({
        inputSha256: sha256(line.input),
        outputSha256: sha256(line.output),
        modelSha256: modelSha,
        device: 'cpu',
        error: null,
      });
      expect(line.outputBytes).toBe(statSync(line.output).size);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    // Each output is vouched for before it is put in place ('writing'), then recorded 'done'.
    expect(lines.filter((line) => line.status === 'writing')).toHaveLength(4);
    expect(strays(outDir)).toEqual([]);
  });

  it('takes --precision int8, --qa, --tta and --limb-normalisation as run does: the same bytes (extra HDUs included), the settings and the check in the manifest', async () => {
    const inputs = inputFolder('options', 2);
    const options = ['--lite', '--precision', 'int8', '--qa', '--tta', '4', '--limb-normalisation', 'auto'];
    const expected = await references(inputs, 'options-reference', options, shippedModels);
    const outDir = join(folder, 'options-out');
    const { code, stdout, stderr } = await enhance(['batch', 'options', '--out-dir', outDir, ...options, '--json'], {
      modelsDir: shippedModels,
    });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ files: 2, enhanced: 2, failed: 0 });
    // Without --kind a magnetogram would need a blos int8 model, which is not installed: said once, up front.
    expect(stderr).toMatch(
      /warning: \S+enhance-blos-lite-int8\.onnx: no trained blos model \(lite, int8\) is installed; .*; blos files will fail/,
    );
    for (const input of inputs) {
      const bytes = readFileSync(outputOf(outDir, input));
      expect(bytes.equals(expected.get(input)!), input).toBe(true);
      expect(listHdus(new Uint8Array(bytes)).map((hdu) => hdu.header.getString('EXTNAME') ?? null)).toEqual([null, 'RESIDUAL', 'SPREAD']);
    }
    const done = manifest(outDir).filter((line) => line.status === 'done');
    expect(done).toHaveLength(2);
    for (const line of done) {
      expect(line).toMatchObject({
        model: 'enhance-intensity-lite-int8.onnx',
        settings: { precision: 'int8', qa: true, tta: 4, limbNormalisation: 'auto' },
      });
      expect(line.qa).toMatchObject({
        relativeResidual: expect.any(Number),
        residualP99: expect.any(Number),
        exceedsReference: expect.any(Boolean),
      });
      expect(stderr).toContain(`${line.input.replace(/^.*\//, '')} → ${line.output.replace(/^.*\//, '')} (intensity, cpu, `);
    }
    expect(stderr).toMatch(/quality check residual \d+\.\d\d%/);
  });

  it('names the file in each quality-check warning', async () => {
    const inputs = inputFolder('warned', 2);
    // A reference far below any residual: every file's check exceeds it.
    const referenceModels = writeQaModelsFolder(join(folder, 'qa-models-reference'), readFileSync(model), 1e-9);
    const { code, stderr } = await enhance(['batch', 'warned', '--out-dir', join(folder, 'warned-out'), '--model', model, '--qa'], {
      modelsDir: referenceModels,
    });
    expect(code, stderr).toBe(0);
    const warnings = stderr.split('\n').filter((line) => line.includes('quality check: the output degraded again'));
    expect(warnings).toHaveLength(2);
    for (const input of inputs) {
      expect(
        warnings.filter((line) => line.startsWith(`enhance batch: warning: ${input}: quality check:`)),
        input,
      ).toHaveLength(1);
    }
  });

  it('redoes a file when --precision, --qa, --tta or --limb-normalisation changes on a resume, and skips it when nothing does', async () => {
    const [input] = inputFolder('changed', 1);
    const outDir = join(folder, 'changed-out');
    const batch = async (extra: string[]) => {
      const { code, stdout, stderr } = await enhance(['batch', 'changed', '--out-dir', outDir, '--model', model, '--json', ...extra], {
        modelsDir: qaModels,
      });
      expect(code, stderr).toBe(0);
      return JSON.parse(stdout) as { enhanced: number; skipped: number };
    };
    expect(await batch([])).toMatchObject({ enhanced: 1, skipped: 0 });
    expect(await batch([])).toMatchObject({ enhanced: 0, skipped: 1 });
    // --tta 1 and --limb-normalisation off are the defaults: the same output.
    expect(await batch(['--tta', '1', '--limb-normalisation', 'off'])).toMatchObject({ enhanced: 0, skipped: 1 });
    // Each rerun changes one setting more: each is redone once, then skipped.
    const options: string[] = [];
    for (const [option, settings] of [
      [['--precision', 'fp32'], { precision: 'fp32' }],
      [['--qa'], { qa: true }],
      [['--tta', '4'], { tta: 4 }],
      [['--limb-normalisation', 'auto'], { limbNormalisation: 'auto' }],
    ] as const) {
      options.push(...option);
      expect(await batch(options), options.join(' ')).toMatchObject({ enhanced: 1, skipped: 0 });
      expect(manifest(outDir).at(-1)).toMatchObject({ status: 'done', input, settings });
      expect(await batch(options), options.join(' ')).toMatchObject({ enhanced: 0, skipped: 1 });
    }
    expect(manifest(outDir).at(-1)).toMatchObject({
      status: 'skipped',
      settings: { precision: 'fp32', qa: true, tta: 4, limbNormalisation: 'auto' },
      qa: expect.objectContaining({ relativeResidual: expect.any(Number) }),
    });
    expect(listHdus(new Uint8Array(readFileSync(outputOf(outDir, input)))).map((hdu) => hdu.header.getString('EXTNAME') ?? null)).toEqual([
      null,
      'RESIDUAL',
      'SPREAD',
    ]);
  });

  it("refuses up front, in run's words and with its exit code, an option that cannot work: nothing written", async () => {
    const [input] = inputFolder('refused', 1);
    const error = (stderr: string) =>
      stderr.split('\n').filter((line) => line.startsWith('enhance: ') && !line.startsWith('enhance: warning:'));
    const cases: { args: string[]; modelsDir: string; code: number; message: RegExp }[] = [
      {
        args: ['--kind', 'blos', '--precision', 'int8'],
        modelsDir: shippedModels,
        code: 1,
        message: /enhance-blos-int8\.onnx: no trained blos model \(full, int8\) is installed; .*npm run quantize$/,
      },
      {
        args: ['--model', model, '--qa'],
        modelsDir: noModels,
        code: 1,
        message: /hmi-redegrade\.onnx: hmi-redegrade\.onnx is not installed beside the models/,
      },
      {
        args: ['--model', model, '--precision', 'int8'],
        modelsDir: noModels,
        code: 1,
        message: /intensity-lite\.onnx: the model is fp32, not the requested int8$/,
      },
      {
        args: ['--precision', 'fp16'],
        modelsDir: noModels,
        code: 2,
        message: /^enhance: --precision "fp16" is invalid: expected fp32 \| int8$/,
      },
      { args: ['--tta', '3'], modelsDir: noModels, code: 2, message: /^enhance: --tta "3" is invalid: expected 1 \| 4 \| 8$/ },
      {
        args: ['--limb-normalisation', 'yes'],
        modelsDir: noModels,
        code: 2,
        message: /^enhance: --limb-normalisation "yes" is invalid: expected auto \| on \| off$/,
      },
      {
        args: ['--lite', '--model', model],
        modelsDir: noModels,
        code: 2,
        message: /^enhance: --lite picks an installed model; it cannot be combined with --model$/,
      },
      {
        args: ['--scale', '-1'],
        modelsDir: noModels,
        code: 2,
        message: /^enhance: --scale "-1" is invalid: expected auto or a finite number > 0$/,
      },
    ];
    for (const { args, modelsDir, code, message } of cases) {
      const outDir = join(folder, 'refused-out');
      const run = await enhance(['run', input, '-o', join(folder, 'refused.fits'), ...args], { modelsDir });
      const batch = await enhance(['batch', 'refused', '--out-dir', outDir, ...args], { modelsDir });
      expect([run.code, batch.code], args.join(' ')).toEqual([code, code]);
      expect(error(run.stderr)[0], args.join(' ')).toMatch(message);
      expect(error(batch.stderr)[0], args.join(' ')).toBe(error(run.stderr)[0]);
      expect(existsSync(outDir) || existsSync(join(folder, 'refused.fits')), args.join(' ')).toBe(false);
    }
  });

  it('resumes: a rerun skips complete outputs (checked by digest), redoes one that changed, and refuses a file it did not write', async () => {
    const inputs = inputFolder('resume', 3);
    const outDir = join(folder, 'resume-out');
    expect((await enhance(['batch', 'resume', '--out-dir', outDir, '--model', model])).code).toBe(0);
    const first = inputs.map((input) => statSync(outputOf(outDir, input)));

    const rerun = await enhance(['batch', 'resume', '--out-dir', outDir, '--model', model, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ files: 3, enhanced: 0, skipped: 3, failed: 0 });
    // Not rewritten: the same inode, untouched since.
    inputs.forEach((input, k) => expect(statSync(outputOf(outDir, input))).toMatchObject({ ino: first[k].ino, mtimeMs: first[k].mtimeMs }));

    // One output altered on disk (same size, so only the digest can tell): made again, with the bytes it should have.
    const altered = outputOf(outDir, inputs[1]);
    const good = readFileSync(altered);
    const bad = Buffer.from(good);
    bad[bad.length - 100] ^= 0xff;
    writeFileSync(altered, bad);
    // A file at the output name of a new input, which no manifest line accounts for: not ours to replace.
    const extra = join(folder, 'resume', 'frame9.fits');
    writeFileSync(extra, continuumFits(40, 99));
    writeFileSync(outputOf(outDir, extra), "somebody else's file");

    const third = await enhance(['batch', 'resume', '--out-dir', outDir, '--model', model, '--json']);
    expect(third.code).toBe(1);
    expect(JSON.parse(third.stdout)).toMatchObject({ files: 4, enhanced: 1, skipped: 2, failed: 1 });
    expect(readFileSync(altered).equals(good)).toBe(true);
    expect(readFileSync(outputOf(outDir, extra), 'utf8')).toBe("somebody else's file");
    expect(third.stderr).toMatch(/frame9\.enhanced\.fits: already exists .*--force/);
    expect(manifest(outDir).find((line) => line.input === extra)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/frame9\.enhanced\.fits: already exists/),
    });

    const forced = await enhance(['batch', 'resume', '--out-dir', outDir, '--model', model, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ enhanced: 1, skipped: 3, failed: 0 });
    expect(readFileSync(outputOf(outDir, extra)).subarray(0, 9).toString()).toBe('SIMPLE  =');
  });

  it('records a bad file with its reason and goes on; the exit code says that something failed', async () => {
    const inputs = inputFolder('bad', 2);
    const corrupt = join(folder, 'bad', 'frame1.fits');
    const whole = readFileSync(corrupt);
    writeFileSync(corrupt, whole.subarray(0, whole.length - 2880)); // the data unit cut short
    writeFileSync(join(folder, 'bad', 'not-fits.fits'), 'hello');
    const outDir = join(folder, 'bad-out');
    const { code, stdout, stderr } = await enhance([
      'batch',
      'bad',
      join(folder, 'bad', 'missing.fits'),
      '--out-dir',
      outDir,
      '--model',
      model,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ files: 4, enhanced: 1, failed: 3 });
    const failed = manifest(outDir).filter((line) => line.status === 'failed');
    expect(failed.map((line) => line.input.replace(/^.*\//, '')).sort()).toEqual(['frame1.fits', 'missing.fits', 'not-fits.fits']);
    for (const line of failed) {
      expect(line.error).toContain(line.input);
      expect(stderr).toContain(line.error);
    }
    expect(failed.find((line) => line.input.endsWith('missing.fits'))!.error).toMatch(/no such file/);
    expect(readdirSync(outDir).sort()).toEqual(['frame0.enhanced.fits', 'manifest.jsonl']);
    expect(inputs).toHaveLength(2);
  });

  it('killed with SIGKILL and rerun: finishes the rest without redoing complete files, leaves no partial file', async () => {
    const inputs = inputFolder('killed', 8, 160);
    const expected = await references(inputs, 'killed-reference');
    const outDir = join(folder, 'killed-out');
    const args = ['batch', 'killed', '--out-dir', outDir, '--model', model];

    const doomed = start(args);
    await doomed.waitFor(/\[2\/8\] .* → /);
    doomed.kill('SIGKILL');
    const killed = await doomed.exited;
    expect(killed.signal).toBe('SIGKILL');
    const before = manifest(outDir).filter((line) => line.status === 'done');
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(8);
    const kept = new Map(before.map((line) => [line.output, statSync(line.output).ino]));
    // A kill in the middle of a manifest line leaves it unterminated: the rerun must read past it.
    appendFileSync(join(outDir, 'manifest.jsonl'), '{"status":"done","input":"');

    const rerun = await enhance([...args, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout);
    expect(summary.skipped).toBeGreaterThanOrEqual(before.length);
    expect(summary.enhanced + summary.skipped).toBe(8);
    for (const [output, ino] of kept) expect(statSync(output).ino, `${output} was redone`).toBe(ino);
    for (const input of inputs) expect(readFileSync(outputOf(outDir, input)).equals(expected.get(input)!), input).toBe(true);
    expect(strays(outDir)).toEqual([]);
    // The rerun's lines follow the cut one on a line of their own.
    expect(manifest(outDir).filter((line) => line.status === 'skipped').length).toBe(summary.skipped);
  });

  it('SIGINT finishes the current file and stops (exit 130); the rerun does the rest', async () => {
    const inputs = inputFolder('interrupted', 5, 160);
    const outDir = join(folder, 'interrupted-out');
    const args = ['batch', 'interrupted', '--out-dir', outDir, '--model', model];
    const batch = start(args);
    await batch.waitFor(/\[1\/5\] .* → /);
    batch.kill('SIGINT');
    const { code, stderr } = await batch.exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: finishing frame\d\.fits, then stopping/);
    const done = manifest(outDir).filter((line) => line.status === 'done');
    // The file in hand when the signal came is finished (the next may have been begun while the last was written), and no other is begun.
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThanOrEqual(3);
    expect(stderr).toMatch(new RegExp(`${5 - done.length} not started`));
    expect(readdirSync(outDir).filter((name) => name.endsWith('.enhanced.fits'))).toHaveLength(done.length);
    expect(strays(outDir)).toEqual([]);

    const rerun = await enhance([...args, '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ enhanced: 5 - done.length, skipped: done.length });
    expect(inputs.every((input) => statSync(outputOf(outDir, input)).size > 0)).toBe(true);
  });

  it('a second SIGINT abandons the current file at its next tile: recorded, no output for it, no temporary', async () => {
    const inputs = inputFolder('abandoned', 3, 400);
    const outDir = join(folder, 'abandoned-out');
    const batch = start(['batch', 'abandoned', '--out-dir', outDir, '--model', model, '--tile-size', '48']);
    await batch.waitFor(/\[1\/3\] .* → /);
    batch.kill('SIGINT');
    await batch.waitFor(/interrupted: finishing/);
    batch.kill('SIGINT');
    const { code, stderr } = await batch.exited;
    expect(code, stderr).toBe(130);
    const lines = manifest(outDir);
    const abandoned = lines.filter((line) => line.status === 'abandoned');
    expect(abandoned, stderr).toHaveLength(1);
    expect(abandoned[0].error).toMatch(/interrupted: abandoned, no output written/);
    expect(() => statSync(abandoned[0].output)).toThrow();
    const done = lines.filter((line) => line.status === 'done');
    expect(
      readdirSync(outDir)
        .filter((name) => name.endsWith('.enhanced.fits'))
        .sort(),
    ).toEqual(done.map((line) => line.output.replace(/^.*\//, '')).sort());
    expect(strays(outDir)).toEqual([]);
    expect(inputs).toContain(abandoned[0].input);
  });

  it('--shard i/n: n shards cover every file exactly once, each with a manifest of its own', async () => {
    const inputs = inputFolder('sharded', 9);
    const outDir = join(folder, 'sharded-out');
    const shards: string[][] = [];
    for (let index = 0; index < 3; index++) {
      const { code, stderr } = await enhance(['batch', 'sharded', '--out-dir', outDir, '--model', model, '--shard', `${index}/3`]);
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(new RegExp(`shard ${index}/3: \\d+ of 9 files`));
      shards.push(
        manifest(outDir, `manifest.shard-${index}-of-3.jsonl`)
          .filter((line) => line.status === 'done')
          .map((line) => line.input),
      );
    }
    expect(shards.flat().sort()).toEqual([...inputs].sort());
    expect(new Set(shards.flat()).size).toBe(9);

    const bad = await enhance(['batch', 'sharded', '--out-dir', outDir, '--shard', '3/3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard "3\/3" is invalid: expected i\/n with 0 ≤ i < n/);
  });

  it('refuses two inputs with the same file name before doing anything', async () => {
    mkdirSync(join(folder, 'twins', 'a'), { recursive: true });
    mkdirSync(join(folder, 'twins', 'b'), { recursive: true });
    writeFileSync(join(folder, 'twins', 'a', 'sun.fits'), continuumFits(20, 1));
    writeFileSync(join(folder, 'twins', 'b', 'sun.fits'), continuumFits(20, 2));
    const outDir = join(folder, 'twins-out');
    const { code, stderr } = await enhance(['batch', 'twins/a', 'twins/b', '--out-dir', outDir, '--model', model]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/twins\/a\/sun\.fits and .*twins\/b\/sun\.fits would both be written to sun\.enhanced\.fits/);
    expect(() => statSync(outDir)).toThrow();
  });
});
