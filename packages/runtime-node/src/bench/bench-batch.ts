import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FitsHeader, MODEL_VARIANTS, writeFits } from '@enhance/core';
import type { ModelVariant } from '@enhance/core';
import { parseScriptArguments } from '@enhance/core/node';
import { runtimePackage } from '../package-root.js';

const MODES = ['run', 'batch', 'queue1', 'queue2'] as const;
type Mode = (typeof MODES)[number];

const USAGE = `Usage: npm run bench:batch -- [options]

Files per minute through the enhance CLI, as a user runs it, on synthetic full-disk continuum images
(a limb-darkened disk with NaN off the limb, like HMI's): one 'enhance run' process per file (run),
one 'enhance batch' process for all (batch), and 'enhance worker' fleets of 1 and 2 processes on a
redis-server started here (queue1, queue2; each of the 2 workers gets half the cores). The installed
trained models (lite, full); the per-file overhead of each mode is its time per file minus batch's.

  --sizes 200,512,1024,2048,4096    image sides
  --variants lite,full              installed models to use
  --files 200:8,512:6,1024:4,2048:2,4096:2
                                    files per size (a number for every size, or size:n pairs)
  --modes run,batch,queue1,queue2   what to measure
  --repeats 1                       measurements of each mode, interleaved (run, batch, …, run, batch, …);
                                    the median is reported, so a burst of load elsewhere weighs less
  --skip full:4096:run              size/variant/mode combinations to leave out (variant:size:mode, comma-separated)
  --cli <enhance.js>                the CLI to run (default: this package's bin/enhance.js)
  --redis-server /usr/bin/redis-server
  --out bench-batch.json            where the JSON results go
  -h, --help                        this text`;

const values = parseScriptArguments('bench-batch', USAGE, {
  sizes: { type: 'string', default: '200,512,1024,2048,4096' },
  variants: { type: 'string', default: 'lite,full' },
  files: { type: 'string', default: '200:8,512:6,1024:4,2048:2,4096:2' },
  modes: { type: 'string', default: MODES.join(',') },
  skip: { type: 'string', default: '' },
  repeats: { type: 'string', default: '1' },
  cli: { type: 'string' },
  'redis-server': { type: 'string', default: '/usr/bin/redis-server' },
  out: { type: 'string', default: 'bench-batch.json' },
});

interface Measurement {
  variant: ModelVariant;
  size: number;
  mode: Mode;
  files: number;
  /** onnxruntime threads per process (0: one per core). */
  threads: number;
  seconds: number;
  filesPerMinute: number;
  secondsPerFile: number;
  /** Measurements behind the median `seconds`. */
  samples: number[];
  /** Time per file minus batch's for the same variant and size. */
  overheadPerFile: number | null;
  /** For queue modes: the time `enhance submit` took, not included in `seconds`. */
  submitSeconds: number | null;
  loadBefore: number;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench-batch: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  const sizes = values.sizes.split(',').map(Number);
  const variants = values.variants.split(',') as ModelVariant[];
  const modes = values.modes.split(',') as Mode[];
  const bad = [
    ...sizes.filter((size) => !Number.isInteger(size) || size < 16).map((size) => `--sizes: ${size} is not an image side ≥ 16`),
    ...variants
      .filter((variant) => !MODEL_VARIANTS.includes(variant))
      .map((variant) => `--variants: ${variant} is not one of ${MODEL_VARIANTS.join(', ')}`),
    ...modes.filter((mode) => !MODES.includes(mode)).map((mode) => `--modes: ${mode} is not one of ${MODES.join(', ')}`),
  ];
  if (bad.length) {
    process.stderr.write(`bench-batch: ${bad[0]} (bench-batch --help lists the options)\n`);
    process.exit(2);
  }
  const filesFor = parseFiles(values.files, sizes);
  const skipped = new Set(values.skip.split(',').filter(Boolean));
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) {
    process.stderr.write(`bench-batch: --repeats ${JSON.stringify(values.repeats)}: expected an integer ≥ 1\n`);
    process.exit(2);
  }
  const cli = values.cli ?? join(runtimePackage().root, 'bin', 'enhance.js');
  const cores = cpus().length;
  const scratch = mkdtempSync(join(tmpdir(), 'enhance-bench-batch-'));
  let redis: { url: string; stop(): Promise<void> } | undefined;
  const results: Measurement[] = [];
  try {
    if (modes.some((mode) => mode.startsWith('queue'))) redis = await startRedis(values['redis-server'], scratch);
    console.log(`enhance CLI ${cli}; ${cores} CPUs (${cpus()[0]?.model ?? '?'}); load average ${loadavg()[0].toFixed(2)}`);
    console.log('variant  size   files  mode    threads  seconds  files/min  s/file  load before');
    for (const variant of variants) {
      for (const size of sizes) {
        const count = filesFor(size);
        const inputs = join(scratch, `in-${size}`);
        if (!existsSync(inputs)) {
          mkdirSync(inputs);
          for (let k = 0; k < count; k++) writeFileSync(join(inputs, `disk-${size}-${k}.fits`), fullDiskImage(size, k));
        }
        const samples = new Map<Mode, { seconds: number; submitSeconds: number | null; loadBefore: number }[]>();
        for (let repeat = 0; repeat < repeats; repeat++) {
          for (const mode of modes) {
            if (skipped.has(`${variant}:${size}:${mode}`)) continue;
            const outDir = join(scratch, `out-${variant}-${size}-${mode}-${repeat}`);
            const loadBefore = loadavg()[0];
            const threads = threadsFor(mode, cores);
            const common = [
              '--kind',
              'intensity',
              ...(variant === 'lite' ? ['--lite'] : []),
              ...(threads ? ['--threads', String(threads)] : []),
            ];
            let seconds: number;
            let submitSeconds: number | null = null;
            if (mode === 'run') {
              mkdirSync(outDir);
              const started = performance.now();
              for (const name of readdirSync(inputs)) await cli_(cli, ['run', join(inputs, name), '-o', join(outDir, name), ...common]);
              seconds = (performance.now() - started) / 1000;
            } else if (mode === 'batch') {
              const started = performance.now();
              await cli_(cli, ['batch', inputs, '--out-dir', outDir, ...common]);
              seconds = (performance.now() - started) / 1000;
            } else {
              const queueName = `bench-${variant}-${size}-${mode}-${repeat}`;
              const queueArgs = ['--queue', redis!.url, '--queue-name', queueName];
              const submitted = performance.now();
              await cli_(cli, ['submit', ...queueArgs, inputs, '--kind', 'intensity', ...(variant === 'lite' ? ['--lite'] : [])]);
              submitSeconds = (performance.now() - submitted) / 1000;
              const workers = mode === 'queue2' ? 2 : 1;
              const started = performance.now();
              const running = Array.from({ length: workers }, () =>
                startCli(cli, ['worker', ...queueArgs, '--out-dir', outDir, ...(threads ? ['--threads', String(threads)] : [])]),
              );
              await waitForJobs(redis!.url, queueName, count);
              seconds = (performance.now() - started) / 1000;
              for (const worker of running) worker.kill('SIGTERM');
              await Promise.all(running.map((worker) => new Promise((resolve) => worker.once('close', resolve))));
            }
            samples.set(mode, [...(samples.get(mode) ?? []), { seconds, submitSeconds, loadBefore }]);
            console.log(
              `${variant.padEnd(8)} ${String(size).padEnd(6)} ${String(count).padStart(5)}  ${mode.padEnd(7)} ${String(threads || 'all').padStart(7)}  ${seconds.toFixed(1).padStart(7)}  ${((60 * count) / seconds).toFixed(2).padStart(9)}  ${(seconds / count).toFixed(2).padStart(6)}  ${loadBefore.toFixed(2).padStart(11)}`,
            );
            rmSync(outDir, { recursive: true, force: true });
          }
        }
        for (const [mode, taken] of samples) {
          const seconds = median(taken.map((sample) => sample.seconds));
          results.push({
            variant,
            size,
            mode,
            files: count,
            threads: threadsFor(mode, cores),
            seconds,
            samples: taken.map((sample) => sample.seconds),
            filesPerMinute: (60 * count) / seconds,
            secondsPerFile: seconds / count,
            overheadPerFile: null,
            submitSeconds: taken[0].submitSeconds === null ? null : median(taken.map((sample) => sample.submitSeconds!)),
            loadBefore: median(taken.map((sample) => sample.loadBefore)),
          });
        }
      }
    }
    for (const result of results) {
      const batch = results.find((other) => other.mode === 'batch' && other.variant === result.variant && other.size === result.size);
      if (batch && result !== batch) result.overheadPerFile = result.secondsPerFile - batch.secondsPerFile;
    }
    console.log(
      `\n| model | image | files | mode | threads | files/min | s/file | overhead/file vs batch |\n|---|---|---|---|---|---|---|---|`,
    );
    for (const r of results) {
      const overhead = r.overheadPerFile === null ? '—' : `${r.overheadPerFile >= 0 ? '+' : ''}${r.overheadPerFile.toFixed(2)} s`;
      console.log(
        `| ${r.variant} | ${r.size}² | ${r.files} | ${r.mode} | ${r.threads || 'all'} | ${r.filesPerMinute.toFixed(r.filesPerMinute < 10 ? 2 : 1)} | ${r.secondsPerFile.toFixed(2)} | ${overhead} |`,
      );
    }
    writeFileSync(
      values.out,
      `${JSON.stringify({ date: new Date().toISOString(), cpus: cores, cpuModel: cpus()[0]?.model, node: process.version, cli, results }, null, 2)}\n`,
    );
    console.log(`wrote ${values.out}`);
  } finally {
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Two workers on one machine share its cores; the other modes let onnxruntime use them all. */
function threadsFor(mode: Mode, cores: number): number {
  return mode === 'queue2' ? Math.max(1, Math.floor(cores / 2)) : 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function parseFiles(text: string, sizes: number[]): (size: number) => number {
  if (/^\d+$/.test(text)) return () => Number(text);
  const pairs = new Map(text.split(',').map((pair) => pair.split(':').map(Number) as [number, number]));
  for (const size of sizes) {
    if (!(pairs.get(size)! >= 1)) {
      process.stderr.write(`bench-batch: --files ${JSON.stringify(text)} gives no file count for size ${size}\n`);
      process.exit(2);
    }
  }
  return (size) => pairs.get(size)!;
}

/** A limb-darkened disk of radius 0.47·size (HMI's is about 0.47 of the frame), NaN outside, with small ripples. */
function fullDiskImage(size: number, seed: number): Uint8Array {
  const data = new Float32Array(size * size);
  const centre = (size - 1) / 2;
  const radius = 0.47 * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - centre, y - centre) / radius;
      const mu = r < 1 ? Math.sqrt(1 - r * r) : 0;
      data[y * size + x] = r < 1 ? 55_000 * (1 - 0.6 * (1 - mu)) * (1 + 0.03 * Math.sin(0.9 * x + seed) * Math.cos(0.7 * y)) : Number.NaN;
    }
  }
  return writeFits({
    data,
    width: size,
    height: size,
    header: new FitsHeader().with('BUNIT', 'DN/s').with('CONTENT', 'CONTINUUM INTENSITY'),
  });
}

function startCli(cli: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs the CLI to its end; its stderr is shown only if it fails. */
function cli_(cli: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = startCli(cli, args);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`enhance ${args[0]} exited with ${code}:\n${stderr}`))));
  });
}

/** Polls the queue every 100 ms until `count` jobs are completed (or any failed). */
async function waitForJobs(url: string, name: string, count: number): Promise<void> {
  const { Queue } = await import('bullmq');
  const { port } = new URL(url);
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: Number(port) } });
  try {
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed');
      if (counts.failed > 0) throw new Error(`${counts.failed} job(s) failed in queue ${name}`);
      if (counts.completed >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await queue.close();
  }
}

/** redis-server on 127.0.0.1 and a free port, with the settings docs/batch.md recommends (AOF, fsync every second). */
async function startRedis(binary: string, scratch: string): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(binary))
    throw new Error(
      `${binary} not found: the queue modes need redis-server (Debian: apt-get install redis-server), or leave them out with --modes run,batch`,
    );
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
  const folder = join(scratch, 'redis');
  mkdirSync(folder);
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', folder, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let log = '';
    child.stdout!.on('data', (chunk) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
