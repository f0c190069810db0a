import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ReadOutcome } from './classify-read.js';
import { superviseJob, superviseRead, type SupervisorOptions } from './fuzz-supervisor.js';
import { isFuzzWorker, mutantFileName, type NamedFile, runFuzzWorker } from './fuzz-worker.js';
import { minimiseMutant, type MinimalReproducer } from './minimise-mutant.js';
import { mutantAt, replayMutations } from './mutant.js';
import { describeMutation } from './mutators.js';
import { seedFiles } from './seed-files.js';

const USAGE = `Usage: npm run fuzz -- [options]

Feeds mutated FITS files to readFits and sorts what happens into classes: an image, an EnhanceError
(by code), or a defect — another exception, a hang past --timeout-ms, a heap past --heap-mb, an image
whose size does not add up, an error that does not name the file, a read slower than --slow-ms.
Mutants are seed files built in code with bit flips, byte overwrites, truncation, inserted and
deleted bytes, and edits of the structural cards (NAXISn, PCOUNT, GCOUNT, THEAP, ZNAXISn, ZTILEn,
ZDITHER0, BLANK, ... set to 0, negatives, huge values, fractions, nan, strings, or removed; END
removed or duplicated). Mutant i of seed S is the same everywhere. Each read runs in a worker
thread under a watchdog. For every defect class a minimal reproducer is written to --out-dir, and
the exit status is 1.

  --count 100000        mutants to run
  --seed 1              run seed
  --start 0             index of the first mutant (to rerun a slice)
  --workers 1           worker threads reading in parallel
  --timeout-ms 1000     a read that takes longer is a hang
  --slow-ms 250         a read that takes longer (and ends) is a defect of class 'slow'
  --heap-mb 256         heap limit of a worker
  --out-dir fuzz-out    where the reproducers go
  --progress-every 10000  a progress line on stderr every this many mutants (0: none)
  --replay PATH         read these files (or every file of these folders) instead; repeatable
  --json                the summary as JSON on stdout instead of a table
  -h, --help            this text`;

interface Options {
  count: number;
  seed: number;
  start: number;
  workers: number;
  timeoutMs: number;
  slowMs: number;
  heapMb: number;
  outDir: string;
  progressEvery: number;
  replay: string[];
  json: boolean;
}

class UsageError extends Error {}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: '0' },
      workers: { type: 'string', default: '1' },
      'timeout-ms': { type: 'string', default: '1000' },
      'slow-ms': { type: 'string', default: '250' },
      'heap-mb': { type: 'string', default: '256' },
      'out-dir': { type: 'string', default: 'fuzz-out' },
      'progress-every': { type: 'string', default: '10000' },
      replay: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
      throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an integer of at least ${min}`);
    }
    return value;
  };
  return {
    count: integer('count', values.count, 0),
    seed: integer('seed', values.seed, 0),
    start: integer('start', values.start, 0),
    workers: integer('workers', values.workers, 1),
    timeoutMs: integer('timeout-ms', values['timeout-ms'], 1),
    slowMs: integer('slow-ms', values['slow-ms'], 1),
    heapMb: integer('heap-mb', values['heap-mb'], 16),
    outDir: values['out-dir'],
    progressEvery: integer('progress-every', values['progress-every'], 0),
    replay: values.replay,
    json: values.json,
  };
}

/** How many times an outcome class was seen, and its first example. */
interface ClassTally {
  count: number;
  defect: boolean;
  first: { index: number; message?: string };
  maxMs: number;
}

function tally(classes: Map<string, ClassTally>, index: number, outcome: ReadOutcome): void {
  const entry = classes.get(outcome.outcome);
  if (entry) {
    entry.count += 1;
    entry.maxMs = Math.max(entry.maxMs, outcome.ms);
    if (index < entry.first.index) entry.first = { index, message: outcome.message };
  } else {
    classes.set(outcome.outcome, { count: 1, defect: outcome.defect, first: { index, message: outcome.message }, maxMs: outcome.ms });
  }
}

/** A file name for an outcome class: 'exception RangeError: Offset is…' → 'exception-rangeerror-offset-is'. */
function slug(outcome: string): string {
  return (
    outcome
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'defect'
  );
}

async function runCampaign(options: Options, supervisor: SupervisorOptions): Promise<number> {
  const { count, seed, start, workers } = options;
  const classes = new Map<string, ClassTally>();
  let done = 0;
  let defects = 0;
  let totalMs = 0;
  const started = performance.now();
  const progress = () => {
    if (options.progressEvery === 0 || done % options.progressEvery !== 0 || done === count) return;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / seconds;
    process.stderr.write(
      `fuzz: ${done}/${count} mutants (${((100 * done) / count).toFixed(0)}%), ${rate.toFixed(0)}/s, ${defects} defects, about ${((count - done) / rate).toFixed(0)} s to go\n`,
    );
  };
  const slices = Array.from({ length: Math.min(workers, Math.max(1, count)) }, (_, w) => {
    const size = Math.ceil(count / workers);
    return { from: start + w * size, to: start + Math.min(count, (w + 1) * size) };
  }).filter((slice) => slice.to > slice.from);
  await Promise.all(
    slices.map((slice) =>
      superviseJob({ kind: 'mutants', seed, start: slice.from, end: slice.to }, supervisor, (index, outcome) => {
        tally(classes, index, outcome);
        done += 1;
        if (outcome.defect) defects += 1;
        else totalMs += outcome.ms;
        progress();
      }),
    ),
  );
  const elapsedMs = performance.now() - started;

  const reproducers: { outcome: string; path: string; mutations: number; bytes: number }[] = [];
  const defectClasses = [...classes.entries()].filter(([, entry]) => entry.defect);
  if (defectClasses.length > 0) mkdirSync(options.outDir, { recursive: true });
  for (const [name, entry] of defectClasses) {
    const mutant = mutantAt(seed, entry.first.index);
    const outcome: ReadOutcome = { outcome: name, defect: true, ms: 0, message: entry.first.message };
    const minimal = await minimiseMutant(mutant, outcome, (bytes) => superviseRead(mutantFileName(seed, mutant.index), bytes, supervisor));
    const path = join(options.outDir, `${slug(name)}.fits`);
    writeFileSync(path, minimal.bytes);
    writeFileSync(path.replace(/\.fits$/, '.txt'), reproducerNote(minimal, seed, mutant.index, path));
    reproducers.push({ outcome: name, path, mutations: minimal.mutations.length, bytes: minimal.bytes.length });
  }

  const summary = {
    seed,
    start,
    count,
    seedFiles: seedFiles().length,
    workers: slices.length,
    elapsedMs: Math.round(elapsedMs),
    meanMs: Number((totalMs / Math.max(1, count - defects)).toFixed(3)),
    defects,
    classes: Object.fromEntries([...classes.entries()].sort((a, b) => b[1].count - a[1].count)),
    reproducers,
  };
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printTable(summary, classes, reproducers);
  return defects > 0 ? 1 : 0;
}

function reproducerNote(minimal: MinimalReproducer, seed: number, index: number, path: string): string {
  const replayed = replayMutations(minimal.seedName, minimal.mutations).length;
  return [
    `outcome: ${minimal.outcome.outcome}`,
    `message: ${minimal.outcome.message ?? ''}`,
    `found as mutant ${index} of seed ${seed} (npm run fuzz -- --seed ${seed} --start ${index} --count 1)`,
    `seed file: ${minimal.seedName}`,
    'edits:',
    ...minimal.mutations.map((mutation) => `  - ${describeMutation(mutation)}`),
    ...(minimal.bytes.length < replayed ? [`  - then cut to ${minimal.bytes.length} bytes`] : []),
    `replay: npm run fuzz -- --replay ${path}`,
    '',
  ].join('\n');
}

function printTable(
  summary: { seed: number; count: number; seedFiles: number; workers: number; elapsedMs: number; meanMs: number; defects: number },
  classes: Map<string, ClassTally>,
  reproducers: { outcome: string; path: string }[],
): void {
  const seconds = summary.elapsedMs / 1000;
  const lines = [
    `fits fuzz: ${summary.count} mutants of ${summary.seedFiles} seed files, seed ${summary.seed}, ${summary.workers} worker(s), ${seconds.toFixed(1)} s (${(summary.count / seconds).toFixed(0)}/s, mean read ${summary.meanMs} ms)`,
    '',
    `${'outcome'.padEnd(56)}${'count'.padStart(9)}${'share'.padStart(8)}${'max ms'.padStart(9)}`,
  ];
  const sorted = [...classes.entries()].sort((a, b) => Number(a[1].defect) - Number(b[1].defect) || b[1].count - a[1].count);
  for (const [name, entry] of sorted) {
    const share = `${((100 * entry.count) / Math.max(1, summary.count)).toFixed(1)}%`;
    lines.push(
      `${(entry.defect ? `DEFECT ${name}` : name).slice(0, 55).padEnd(56)}${String(entry.count).padStart(9)}${share.padStart(8)}${entry.maxMs.toFixed(1).padStart(9)}`,
    );
  }
  lines.push('', `defects: ${summary.defects}`);
  for (const { outcome, path } of reproducers) lines.push(`  ${outcome}: reproducer ${path}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function replayFiles(paths: string[]): NamedFile[] {
  const files: NamedFile[] = [];
  for (const path of paths) {
    const full = resolve(path);
    const names = statSync(full).isDirectory()
      ? readdirSync(full)
          .filter((name) => statSync(join(full, name)).isFile())
          .sort()
          .map((name) => join(full, name))
      : [full];
    for (const name of names) files.push({ name: basename(name), bytes: new Uint8Array(readFileSync(name)) });
  }
  return files;
}

async function runReplay(options: Options, supervisor: SupervisorOptions): Promise<number> {
  const files = replayFiles(options.replay);
  const results: { file: string; outcome: string; defect: boolean; ms: number; message?: string }[] = [];
  await superviseJob({ kind: 'files', files, start: 0, end: files.length }, supervisor, (index, outcome) => {
    results[index] = { file: files[index].name, ...outcome, ms: Number(outcome.ms.toFixed(3)) };
  });
  const defects = results.filter((result) => result.defect).length;
  if (options.json) process.stdout.write(`${JSON.stringify({ files: results, defects }, null, 2)}\n`);
  else {
    const lines = results.map(
      (r) => `${r.defect ? 'DEFECT ' : ''}${r.file}: ${r.outcome} (${r.ms.toFixed(1)} ms)${r.message ? `\n    ${r.message}` : ''}`,
    );
    process.stdout.write(`${[...lines, '', `defects: ${defects} of ${results.length} files`].join('\n')}\n`);
  }
  return defects > 0 ? 1 : 0;
}

async function main(args: string[]): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    process.stderr.write(`fuzz: ${(error as Error).message.split('\n')[0]} (fuzz --help lists the options)\n`);
    process.exit(2);
  }
  const supervisor: SupervisorOptions = {
    workerScript: new URL(import.meta.url),
    timeoutMs: options.timeoutMs,
    slowMs: options.slowMs,
    heapMb: options.heapMb,
  };
  try {
    process.exitCode = options.replay.length > 0 ? await runReplay(options, supervisor) : await runCampaign(options, supervisor);
  } catch (error) {
    process.stderr.write(`fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

// This module is also the worker script: the supervisor starts it again in a worker thread.
if (isFuzzWorker()) runFuzzWorker();
else await main(process.argv.slice(2));
