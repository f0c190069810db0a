// The worker fleet end to end, with the real parts on loopback: Debian's redis-server started here on
// 127.0.0.1 and a random port, `enhance submit`, `enhance worker` processes and `enhance status` as a
// user runs them. The fault tests kill workers with SIGKILL, restart Redis mid-run and queue a corrupt
// file, and check the outcome on disk and in the queue: every file enhanced once, byte for byte what a
// single `enhance batch` process writes, nothing half-written, nothing lost. Short lock and stall
// intervals (the worker's options) keep each one within seconds.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listHdus } from '@enhance/core';
import { writeQaModelsFolder } from '@enhance/test-support';
import { bundleCli } from './cli-support/bundle-cli.js';
import { CliProcess, runCli } from './cli-support/cli-process.js';
import { randomLiteModel } from './cli-support/random-model.js';
import { startRedis } from './cli-support/redis-server.js';
import type { RedisServer } from './cli-support/redis-server.js';
import { continuumFits } from './cli-support/solar-images.js';

let cli: string;
let folder: string;
let model: string;
/** A models folder with only the quality check's model (the trained models are never needed here). */
let qaModels: string;
let redis: RedisServer;
const workers: CliProcess[] = [];

beforeAll(async () => {
  cli = await bundleCli('enhance-queue-test');
  folder = mkdtempSync(join(tmpdir(), 'enhance-queue-'));
  model = join(folder, 'intensity-lite.onnx');
  const modelBytes = randomLiteModel('intensity');
  writeFileSync(model, modelBytes);
  mkdirSync(join(folder, 'no-models'));
  qaModels = writeQaModelsFolder(join(folder, 'qa-models'), modelBytes);
  redis = await startRedis();
});

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.kill('SIGKILL');
    await worker.exited;
  }
});

afterAll(async () => {
  await redis?.destroy();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const env = (modelsDir = join(folder, 'no-models')) => ({ ...process.env, ENHANCE_MODELS_DIR: modelsDir });
const enhance = (args: string[], modelsDir?: string) => runCli(cli, args, { cwd: folder, env: env(modelsDir), timeoutMs: 60_000 });
/** Test-sized failure detection: a dead worker's job is taken back within about three seconds. */
const FAST = ['--lock-duration', '2000', '--stalled-interval', '500'];

function startWorker(queue: string, outDir: string, extra: string[] = [], modelsDir?: string): CliProcess {
  const worker = new CliProcess(cli, ['worker', '--queue', redis.url, '--queue-name', queue, '--out-dir', outDir, ...FAST, ...extra], {
    cwd: folder,
    env: env(modelsDir),
  });
  workers.push(worker);
  return worker;
}

function inputFolder(name: string, count: number, size = 160): string[] {
  const path = join(folder, name);
  mkdirSync(path, { recursive: true });
  return Array.from({ length: count }, (_, k) => {
    const file = join(path, `${name}-${k}.fits`);
    writeFileSync(file, continuumFits(size, k + 100 * name.length));
    return file;
  });
}

const outputName = (input: string) => input.replace(/^.*\//, '').replace(/\.fits$/, '.enhanced.fits');

/** What one long-lived `enhance batch` process writes for the inputs: the reference for the fleet. */
async function singleProcessOutputs(name: string, options: string[] = [], modelsDir?: string): Promise<Map<string, Buffer>> {
  const outDir = join(folder, `${name}-single`);
  const { code, stderr } = await enhance(['batch', name, '--out-dir', outDir, '--model', model, ...options], modelsDir);
  expect(code, stderr).toBe(0);
  const outputs = new Map<string, Buffer>();
  for (const file of readdirSync(outDir)) if (file.endsWith('.enhanced.fits')) outputs.set(file, readFileSync(join(outDir, file)));
  return outputs;
}

async function submit(queue: string, inputs: string[], extra: string[] = [], modelsDir?: string) {
  const outcome = await enhance(
    ['submit', '--queue', redis.url, '--queue-name', queue, '--model', model, '--backoff', '200', '--json', ...extra, ...inputs],
    modelsDir,
  );
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as { queued: number; existing: number; jobs: { id: string; input: string }[] };
}

interface Status {
  counts: Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed', number>;
  failed: { input: string; reason: string; attemptsMade: number; attempts: string[] }[];
}

async function status(queue: string): Promise<Status> {
  const { code, stdout, stderr } = await enhance(['status', '--queue', redis.url, '--queue-name', queue, '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Status;
}

interface Line {
  status: string;
  input: string;
  output: string;
  pid: number;
  settings: Record<string, unknown>;
  qa: Record<string, unknown> | null;
}

/** Every manifest line the workers wrote into `outDir`. */
function manifestLines(outDir: string): Line[] {
  return readdirSync(outDir)
    .filter((name) => /^manifest\..*\.jsonl$/.test(name))
    .flatMap((name) =>
      readFileSync(join(outDir, name), 'utf8')
        .split('\n')
        .filter((line) => line.endsWith('}')),
    )
    .map((line) => JSON.parse(line) as Line);
}

/** The output folder holds exactly these outputs, each byte for byte as expected, and nothing half-written. */
function expectOutputs(outDir: string, expected: Map<string, Buffer>): void {
  const files = readdirSync(outDir);
  expect(
    files.filter((name) => name.endsWith('.tmp')),
    'temporaries left behind',
  ).toEqual([]);
  expect(files.filter((name) => name.endsWith('.enhanced.fits')).sort()).toEqual([...expected.keys()].sort());
  for (const [name, bytes] of expected)
    expect(readFileSync(join(outDir, name)).equals(bytes), `${name} differs from the single-process output`).toBe(true);
}

describe('enhance submit / worker / status (BullMQ on a real redis-server)', () => {
  it('three workers, one killed with SIGKILL mid-job: every file enhanced once, as by one process; resubmitting adds nothing', async () => {
    const inputs = inputFolder('killed', 9);
    const expected = await singleProcessOutputs('killed');
    const outDir = join(folder, 'killed-out');
    const submitted = await submit('killed', inputs);
    expect(submitted).toMatchObject({ queued: 9, existing: 0 });
    expect(await submit('killed', inputs)).toMatchObject({ queued: 0, existing: 9 });

    const fleet = [0, 1, 2].map(() => startWorker('killed', outDir, ['--exit-when-drained']));
    // Whichever worker takes a job first is killed in the middle of it.
    const { worker: doomed, started } = await Promise.any(
      fleet.map(async (worker) => ({ worker, started: await worker.waitFor(/started (\S+) \(attempt 1/) })),
    );
    doomed.kill('SIGKILL');
    const survivors = fleet.filter((worker) => worker !== doomed);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    for (const survivor of survivors) expect((await survivor.exited).code, survivor.stderr).toBe(0);

    const { counts } = await status('killed');
    expect(counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 9, failed: 0 });
    expectOutputs(outDir, expected);
    // The job in the killed worker's hands was taken back and finished by another worker.
    const lines = manifestLines(outDir);
    const takenOver = lines.filter(
      (line) => line.input === started[1] && line.pid !== doomed.pid && (line.status === 'done' || line.status === 'skipped'),
    );
    expect(takenOver, `${started[1]} was not finished by a surviving worker`).toHaveLength(1);
    expect(survivors.some((survivor) => survivor.stderr.includes(`started ${started[1]} (attempt 2`))).toBe(true);
    // Each output put in place once: one 'done' line for it, at most (a kill after the link and before
    // its 'done' line leaves the 'writing' line, and the next attempt finds the file complete).
    for (const input of inputs)
      expect(lines.filter((line) => line.input === input && line.status === 'done').length, input).toBeLessThanOrEqual(1);
    expect(await submit('killed', inputs)).toMatchObject({ queued: 0, existing: 9 });
  });

  it('Redis restarted mid-run: the workers reconnect and finish, nothing lost or done twice', async () => {
    const inputs = inputFolder('restart', 8);
    const expected = await singleProcessOutputs('restart');
    const outDir = join(folder, 'restart-out');
    await submit('restart', inputs);
    const pair = [0, 1].map(() => startWorker('restart', outDir, ['--exit-when-drained']));
    await Promise.any(pair.map((worker) => worker.waitFor(/ → /)));
    const doneBefore = pair.map((worker) => worker.stderr.split(' → ').length - 1).reduce((a, b) => a + b);
    await redis.restart();
    for (const worker of pair) {
      const { code } = await worker.exited;
      expect(code, worker.stderr).toBe(0);
    }
    expect((await status('restart')).counts).toMatchObject({ waiting: 0, active: 0, completed: 8, failed: 0 });
    expectOutputs(outDir, expected);
    const lines = manifestLines(outDir);
    for (const input of inputs) expect(lines.filter((line) => line.input === input && line.status === 'done').length, input).toBe(1);
    // The restart came mid-run: files were still to do, and the workers saw the connection go and come back.
    expect(doneBefore).toBeLessThan(8);
    for (const worker of pair)
      expect(worker.stderr).toMatch(/lost the connection to the queue at redis:\/\/127\.0\.0\.1:\d+; reconnecting/);
    expect(pair.some((worker) => /connected to the queue at \S+ again/.test(worker.stderr))).toBe(true);
  });

  it('a corrupt input in the queue fails with its reason, at once; the others are done', async () => {
    const inputs = inputFolder('corrupt', 4);
    const corrupt = inputs[2];
    const expected = await singleProcessOutputs('corrupt');
    expected.delete(outputName(corrupt));
    const outDir = join(folder, 'corrupt-out');
    // Damaged on the storage after it was queued: the worker's check of its digest says so...
    await submit('corrupt', inputs);
    const bytes = readFileSync(corrupt);
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 2880));
    // ...and one queued already damaged fails on what is wrong with it.
    const truncated = join(folder, 'corrupt', 'truncated.fits');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 2880));
    await submit('corrupt', [truncated]);

    const worker = startWorker('corrupt', outDir, ['--exit-when-drained']);
    expect((await worker.exited).code, worker.stderr).toBe(0);
    const { counts, failed } = await status('corrupt');
    expect(counts).toMatchObject({ completed: 3, failed: 2, waiting: 0, delayed: 0 });
    const reasons = new Map(failed.map((job) => [job.input, job]));
    expect(reasons.get(corrupt)!.reason).toMatch(/changed since it was submitted/);
    expect(reasons.get(truncated)!.reason).toContain(truncated);
    expect(reasons.get(truncated)!.reason).toMatch(/truncated|too short|ends|missing/i);
    // Not retried: a bad file stays bad.
    for (const job of failed) expect(job.attemptsMade).toBe(1);
    expectOutputs(outDir, expected);
    const text = await enhance(['status', '--queue', redis.url, '--queue-name', 'corrupt']);
    expect(text.stdout).toMatch(
      /^queue 'corrupt' at redis:\/\/127\.0\.0\.1:\d+: 0 waiting, 0 active, 0 delayed, 0 prioritized, 3 completed, 2 failed$/m,
    );
    expect(text.stdout).toContain(`failed: ${reasons.get(truncated)!.reason}`);
  });

  it('a failure that may pass (the output folder gone for a while) is retried after a backoff, then done', async () => {
    const [input] = inputFolder('retry', 1, 400);
    const expected = await singleProcessOutputs('retry');
    const outDir = join(folder, 'retry-out');
    await submit('retry', [input], ['--backoff', '1500']);
    const worker = startWorker('retry', outDir, ['--exit-when-drained']);
    await worker.waitFor(/started \S+ \(attempt 1 /);
    rmSync(outDir, { recursive: true });
    // The first write into the folder fails (the manifest's 'writing' line, before the output itself).
    await worker.waitFor(/failed \S+ \(attempt 1 [^)]*\): \S+: cannot append to the manifest \(ENOENT\)/);
    mkdirSync(outDir);
    expect((await worker.exited).code, worker.stderr).toBe(0);
    expect(worker.stderr).toMatch(/started \S+ \(attempt 2 /);
    expect((await status('retry')).counts).toMatchObject({ completed: 1, failed: 0 });
    expectOutputs(outDir, expected);
  });

  it('a job that kills every worker that takes it is failed after --max-stalled + 1 attempts, naming them', async () => {
    const [input] = inputFolder('deadly', 1, 400);
    const outDir = join(folder, 'deadly-out');
    await submit('deadly', [input], ['--tile-size', '48']);
    const killed: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const worker = startWorker('deadly', outDir, ['--max-stalled', '1']);
      await worker.waitFor(new RegExp(`started \\S+ \\(attempt ${attempt} `));
      worker.kill('SIGKILL');
      await worker.exited;
      killed.push(worker.pid);
    }
    const last = startWorker('deadly', outDir, ['--max-stalled', '1', '--exit-when-drained']);
    expect((await last.exited).code, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/started/);
    const { counts, failed } = await status('deadly');
    expect(counts).toMatchObject({ failed: 1, completed: 0, waiting: 0, active: 0 });
    expect(failed[0].reason).toMatch(/stalled more than allowable limit/);
    expect(failed[0].attempts).toEqual(killed.map((pid, k) => expect.stringMatching(new RegExp(`^attempt ${k + 1} on \\S+ pid ${pid}$`))));
    expect(readdirSync(outDir).filter((name) => !name.startsWith('manifest.'))).toEqual([]);
  });

  it('SIGTERM lets the current job finish, takes no new one, exits 0', async () => {
    const inputs = inputFolder('term', 2, 400);
    const outDir = join(folder, 'term-out');
    await submit('term', inputs, ['--tile-size', '48']);
    const worker = startWorker('term', outDir);
    const [, first] = await worker.waitFor(/started (\S+) \(attempt 1/);
    worker.kill('SIGTERM');
    const { code, stderr } = await worker.exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/terminated: finishing the current job\(s\), taking no new one/);
    expect(stderr).toContain(`${first} → `);
    expect((await status('term')).counts).toMatchObject({ completed: 1, waiting: 1, active: 0 });
    expect(readdirSync(outDir).filter((name) => name.endsWith('.enhanced.fits'))).toEqual([outputName(first)]);
  });

  it('the run options travel with the job: a worker makes what enhance batch makes with them; other options are another job; what cannot work is refused at submit', async () => {
    const inputs = inputFolder('options', 1, 40);
    const options = ['--precision', 'fp32', '--qa', '--tta', '4', '--limb-normalisation', 'auto'];
    const expected = await singleProcessOutputs('options', options, qaModels);
    const outDir = join(folder, 'options-out');
    expect(await submit('options', inputs, options, qaModels)).toMatchObject({ queued: 1, existing: 0 });
    expect(await submit('options', inputs, options, qaModels)).toMatchObject({ queued: 0, existing: 1 });
    // The same file with other options makes another output: another job.
    expect(await submit('options-other', inputs, ['--tta', '8'], qaModels)).toMatchObject({ queued: 1 });
    const worker = startWorker('options', outDir, ['--exit-when-drained'], qaModels);
    expect((await worker.exited).code, worker.stderr).toBe(0);
    expectOutputs(outDir, expected);
    expect(listHdus(new Uint8Array(expected.values().next().value!)).map((hdu) => hdu.header.getString('EXTNAME') ?? null)).toEqual([
      null,
      'RESIDUAL',
      'SPREAD',
    ]);
    const done = manifestLines(outDir).find((line) => line.status === 'done');
    expect(done).toMatchObject({
      settings: { precision: 'fp32', qa: true, tta: 4, limbNormalisation: 'auto' },
      qa: expect.objectContaining({ relativeResidual: expect.any(Number) }),
    });

    // As enhance run and enhance batch refuse them, before anything is queued.
    for (const [extra, message] of [
      [['--kind', 'intensity', '--precision', 'int8'], /intensity-lite\.onnx: the model is fp32, not the requested int8$/],
      [['--qa'], /hmi-redegrade\.onnx is not installed beside the models/],
      [['--tta', '3'], /^enhance: --tta "3" is invalid: expected 1 \| 4 \| 8$/],
    ] as const) {
      const refused = await enhance([
        'submit',
        '--queue',
        redis.url,
        '--queue-name',
        'options-refused',
        '--model',
        model,
        ...extra,
        ...inputs,
      ]);
      expect(refused.code, refused.stderr).toBe(extra[0] === '--tta' ? 2 : 1);
      expect(refused.stderr.trim().split('\n').at(-1)).toMatch(message);
    }
    expect((await status('options-refused')).counts).toMatchObject({ waiting: 0, completed: 0, failed: 0 });
  });

  it('submit and status say which server they cannot reach, and exit 1', async () => {
    const { code, stderr } = await enhance(['status', '--queue', 'redis://127.0.0.1:1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^enhance: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    const usage = await enhance(['worker', '--queue', 'http://127.0.0.1:1', '--out-dir', folder]);
    expect(usage.code).toBe(2);
  });
});
