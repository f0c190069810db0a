import { basename } from 'node:path';
import { ENHANCE_KINDS, EnhanceError } from '@enhance/core';
import type { EnhanceKind } from '@enhance/core';
import { CliFileError, CliUsageError, type CliCommand, type CliIo } from '@enhance/core/node';
import { fleetCommand } from '../fleet-command.js';
import { expandInputs } from './batch-inputs.js';
import type { BatchInput } from './batch-inputs.js';
import type { ManifestRecord } from './batch-manifest.js';
import { EnhancerPool, enhanceToFits, parseInput, readInputFile } from './enhance-file.js';
import type { EnhancedOutput, InputFile, ParsedInput } from './enhance-file.js';
import { errorReason } from './error-reason.js';
import {
  DEVICE_OPTIONS,
  DEVICE_USAGE,
  MODEL_OPTIONS,
  NUMERIC_OPTIONS,
  modelUsage,
  outputSettingsOf,
  parseEnhanceSettings,
} from '../enhance-settings.js';
import { createFileProgress } from './file-progress.js';
import type { FileProgress } from './file-progress.js';
import { OutputFolder } from './output-folder.js';
import { parseShard, selectShard } from './shard.js';
import type { Shard } from './shard.js';

const usage = `Usage: enhance batch <files… | folder | @list.txt> --out-dir <folder> [options]

Enhances many FITS files in one process: each model is loaded once, and the next file is read while
the network works on the current one. Each output is <out-dir>/<name without .fits>.enhanced.fits,
byte for byte what 'enhance run' writes. A folder stands for the FITS files directly in it; @list.txt
for the paths in the list, one a line (relative to the list's folder; # comments).

Options:
  --out-dir <folder>      outputs and the manifest (created if missing; required)
  --shard <i/n>           only shard i of n (0 ≤ i < n), a stable split by file name: one of n jobs of
                          a SLURM array (--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) or of
                          a Kubernetes indexed Job (--shard $JOB_COMPLETION_INDEX/<completions>)
${modelUsage('in the manifest')}
${DEVICE_USAGE}
  --force                 replace existing outputs that no manifest in the folder says were made here
  --json                  print a JSON summary on stdout
  -h, --help              show this help

Every file gets a line in <out-dir>/manifest.jsonl (manifest.shard-<i>-of-<n>.jsonl with --shard):
input and its SHA-256, output and its SHA-256, model and its SHA-256, the settings, device, time,
status, error, and with --qa the quality check's summary. Rerun the same command to resume: an output
that a manifest line vouches for (same input, model and settings, and the very bytes on disk) is
skipped; anything else is made again. A file that fails is recorded with its reason and the batch goes
on. An option that cannot work (--precision int8 for a kind with no int8 model installed, --qa
without the quality check's model) is refused before any file, as 'enhance run' refuses it. Ctrl-C
finishes the current file and stops; a second Ctrl-C (or SIGTERM) abandons it, leaving no output for
it. See docs/batch.md.

Exit status: 0 every file enhanced or already complete, 1 one or more failed, 2 a bad command line,
130 interrupted (143 on SIGTERM).`;

export const batchCommand: CliCommand = fleetCommand({
  name: 'batch',
  summary: 'enhance many FITS files in one process (resumable, shardable, with a manifest)',
  usage,
  positionals: true,
  options: {
    'out-dir': { type: 'string' },
    shard: { type: 'string' },
    ...MODEL_OPTIONS,
    ...DEVICE_OPTIONS,
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  numericOptions: NUMERIC_OPTIONS,
  async run({ values, positionals }, io) {
    const outDir = values['out-dir'];
    if (typeof outDir !== 'string') throw new CliUsageError({ message: 'missing --out-dir <folder>' });
    if (positionals.length === 0) throw new CliUsageError({ message: 'expected input files, folders or @list.txt' });
    const settings = parseEnhanceSettings(values);
    const shard = typeof values.shard === 'string' ? parseShard(values.shard) : undefined;
    const inputs = await expandInputs(positionals);
    const mine = shard ? selectShard(inputs, shard, (input) => basename(input.path)) : inputs;
    const progress = createFileProgress(io.stderr, mine.length);
    const warn = (message: string) => progress.note(`enhance batch: warning: ${message}`);
    const pool = new EnhancerPool(settings, warn);
    try {
      // What the options need is loaded before the output folder is touched: a refusal leaves nothing.
      await pool.prepare(warn);
      const folder = await OutputFolder.open(outDir, shard ? `shard-${shard.index}-of-${shard.count}` : undefined);
      try {
        return await runBatch({
          io,
          pool,
          progress,
          shard,
          inputs: mine,
          allInputs: inputs.length,
          folder,
          force: values.force === true,
          json: values.json === true,
        });
      } finally {
        await folder.close();
      }
    } finally {
      progress.finish();
      await pool.dispose();
    }
  },
});

interface BatchRun {
  io: CliIo;
  pool: EnhancerPool;
  progress: FileProgress;
  shard: Shard | undefined;
  inputs: BatchInput[];
  allInputs: number;
  folder: OutputFolder;
  force: boolean;
  json: boolean;
}

type Counts = Record<'enhanced' | 'skipped' | 'failed' | 'abandoned', number>;

async function runBatch({ io, pool, progress, shard, inputs, allInputs, folder, force, json }: BatchRun): Promise<number> {
  const started = performance.now();
  const say = (line: string) => progress.note(`enhance batch: ${line}`);
  const warn = (message: string) => say(`warning: ${message}`);
  const { settings } = pool;
  const outputSettings = outputSettingsOf(settings);
  const counts: Counts = { enhanced: 0, skipped: 0, failed: 0, abandoned: 0 };
  const interrupt = watchInterrupts((line) => say(line));

  if (shard) say(`shard ${shard.index}/${shard.count}: ${inputs.length} of ${allInputs} files`);
  if (folder.unreadableLines.length) warn(`unreadable manifest lines ignored: ${folder.unreadableLines.slice(0, 5).join(', ')}`);
  const leftovers = await folder.removeLeftovers(inputs.map((input) => input.outputName));
  if (leftovers) say(`removed ${leftovers} temporary file(s) left by an earlier run that was killed`);

  let finished = 0;
  const report = (record: ManifestRecord, line: string) => {
    finished++;
    const ok = record.status === 'done' || record.status === 'skipped';
    progress.fileDone(`enhance batch: [${finished}/${inputs.length}] ${basename(record.input)}${line}`, { ok });
  };
  const fail = async (input: BatchInput, error: unknown, timing: number, known: Partial<ManifestRecord> = {}) => {
    const abandoned = interrupt.signal.aborted && EnhanceError.isInstance(error) && error.code === 'ABORTED';
    counts[abandoned ? 'abandoned' : 'failed']++;
    const record = await folder.record({
      ...folder.blankRecord(input.path, input.outputName, outputSettings),
      ...known,
      status: abandoned ? 'abandoned' : 'failed',
      seconds: seconds(timing),
      error: abandoned ? 'interrupted: abandoned, no output written' : errorReason(error),
    });
    report(record, abandoned ? ': abandoned (interrupted), no output written' : `: failed: ${record.error}`);
  };

  // At most one write in flight, overlapping the next file's network run.
  let pendingCommit: Promise<void> = Promise.resolve();
  const commit = async (
    input: BatchInput,
    file: InputFile,
    parsed: ParsedInput,
    output: EnhancedOutput,
    replace: boolean,
    timing: number,
  ) => {
    const known = {
      inputSha256: file.sha256,
      inputBytes: file.bytes.length,
      kind: parsed.kind,
      model: output.model.name,
      modelSha256: output.model.sha256,
      device: output.device,
      qa: output.qa,
    };
    try {
      const record = await folder.commit(
        input.outputName,
        output,
        { ...folder.blankRecord(input.path, input.outputName, outputSettings), ...known, seconds: seconds(timing), error: null },
        { replace },
      );
      counts.enhanced++;
      const qa = output.qa
        ? `, quality check residual ${(100 * output.qa.relativeResidual).toFixed(2)}%${output.qa.exceedsReference ? " (above the model card's)" : ''}`
        : '';
      report(record, ` → ${input.outputName} (${parsed.kind}, ${output.device}, ${record.seconds?.toFixed(2)} s${qa})`);
    } catch (error) {
      await fail(input, error, timing, known);
    }
  };

  progress.start();
  const prefetch = (input: BatchInput) => {
    const read = readInputFile(input.path);
    read.catch(() => undefined); // handled when its turn comes
    return read;
  };
  let next = inputs.length > 0 ? prefetch(inputs[0]) : undefined;
  try {
    for (let i = 0; i < inputs.length && !interrupt.stopping; i++) {
      const input = inputs[i];
      const reading = next!;
      const timing = performance.now();
      interrupt.current = basename(input.path);
      // The next file is read while this one is checked and enhanced.
      next = i + 1 < inputs.length ? prefetch(inputs[i + 1]) : undefined;
      let file: InputFile | undefined;
      try {
        file = await reading;
        const state = await folder.check(input.outputName, {
          inputSha256: file.sha256,
          settings: outputSettings,
          modelSha256For: async (kind) =>
            ENHANCE_KINDS.includes(kind as EnhanceKind) ? (await pool.model(kind as EnhanceKind)).sha256 : undefined,
        });
        if (state.state === 'complete') {
          counts.skipped++;
          const { record: earlier } = state;
          const record = await folder.record({
            ...folder.blankRecord(input.path, input.outputName, outputSettings),
            status: 'skipped',
            inputSha256: file.sha256,
            inputBytes: file.bytes.length,
            outputSha256: earlier.outputSha256,
            outputBytes: earlier.outputBytes,
            kind: earlier.kind,
            model: earlier.model,
            modelSha256: earlier.modelSha256,
            device: earlier.device,
            qa: earlier.qa ?? null,
            seconds: seconds(timing),
            error: null,
          });
          report(record, `: complete from an earlier run (${earlier.time}), skipped`);
          continue;
        }
        if (state.state === 'foreign' && !force) {
          throw new CliFileError({
            code: 'CLI_OUTPUT_EXISTS',
            file: folder.outputPath(input.outputName),
            message: 'already exists and no manifest in the output folder says it was made there (use --force to replace it)',
          });
        }
        const parsed = parseInput(file, settings, warn);
        const output = await enhanceToFits(pool, input.path, parsed, {
          signal: interrupt.signal,
          outputPath: folder.outputPath(input.outputName),
        });
        await pendingCommit;
        pendingCommit = commit(input, file, parsed, output, state.state !== 'absent', timing);
      } catch (error) {
        await fail(input, error, timing, file ? { inputSha256: file.sha256, inputBytes: file.bytes.length } : {});
      }
    }
    await pendingCommit;
  } finally {
    interrupt.dispose();
    progress.finish();
  }

  const notStarted = inputs.length - finished;
  const time = (performance.now() - started) / 1000;
  const parts = [`${counts.enhanced} enhanced`, `${counts.skipped} already complete`, `${counts.failed} failed`];
  if (counts.abandoned) parts.push(`${counts.abandoned} abandoned`);
  if (notStarted) parts.push(`${notStarted} not started`);
  io.stderr.write(
    `enhance batch: ${inputs.length} file(s) in ${time.toFixed(1)} s: ${parts.join(', ')} (manifest: ${folder.manifestPath})\n`,
  );
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ files: inputs.length, ...counts, notStarted, interrupted: interrupt.stopping, manifest: folder.manifestPath, outDir: folder.path, shard: shard ?? null, seconds: Math.round(time * 1000) / 1000 })}\n`,
    );
  }
  if (interrupt.stopping) return interrupt.byTerm ? 143 : 130;
  return counts.failed > 0 ? 1 : 0;
}

function seconds(since: number): number {
  return Math.round(performance.now() - since) / 1000;
}

/**
 * SIGINT once: stop after the current file. SIGINT again, or SIGTERM (what SLURM and Kubernetes send
 * before SIGKILL): abandon the current file at its next tile, writing nothing for it.
 */
function watchInterrupts(say: (line: string) => void) {
  const controller = new AbortController();
  const state = {
    stopping: false,
    byTerm: false,
    current: '',
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
    },
  };
  const onInterrupt = () => {
    if (state.stopping) {
      if (!controller.signal.aborted) say(`interrupted again: abandoning ${state.current}`);
      controller.abort();
      return;
    }
    state.stopping = true;
    say(`interrupted: finishing ${state.current}, then stopping (Ctrl-C again to abandon it)`);
  };
  const onTerminate = () => {
    state.stopping = true;
    state.byTerm = true;
    if (!controller.signal.aborted) say(`terminated: abandoning ${state.current}`);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  return state;
}
