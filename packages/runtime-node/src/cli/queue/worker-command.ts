import { hostname } from 'node:os';
import { EnhanceError } from '@enhance/core';
import type { EnhanceKind } from '@enhance/core';
import type { Job } from 'bullmq';
import { CliUsageError, removeFilesInProgress, type CliCommand } from '@enhance/core/node';
import { errorReason } from '../batch/error-reason.js';
import { EARLIER_SETTINGS } from '../batch/batch-manifest.js';
import type { ManifestRecord } from '../batch/batch-manifest.js';
import { EnhancerPool, enhanceToFits, parseInput, readInputFile } from '../batch/enhance-file.js';
import type { InputFile } from '../batch/enhance-file.js';
import { DEVICE_OPTIONS, DEVICE_USAGE, parseDevice, settingsOfOutput } from '../enhance-settings.js';
import { OutputFolder } from '../batch/output-folder.js';
import { fleetCommand, integerOption } from '../fleet-command.js';
import type { EnhanceJobData, EnhanceJobResult } from './enhance-job.js';
import { QUEUE_OPTIONS, QUEUE_USAGE, checkReachable, loadBullmq, parseQueueAddress } from './queue-connection.js';
import { QueueError } from './queue-error.js';

const DEFAULTS = { concurrency: 1, lockDuration: 30_000, stalledInterval: 30_000, maxStalled: 2 };

const usage = `Usage: enhance worker --queue redis://host:port --out-dir <folder> [options]

Takes jobs queued by 'enhance submit' and enhances them into <out-dir>, as 'enhance batch' would
(same output names and bytes, a manifest of its own: manifest.worker.<host>.<pid>.jsonl). Run any
number of workers on machines that share the inputs' and the output folder's storage. Each model is
loaded once per worker.

Options:
${QUEUE_USAGE}
  --out-dir <folder>      where outputs go (created if missing; required)
  --concurrency <n>       jobs at a time (default ${DEFAULTS.concurrency}); 2 reads and writes files while the network works
${DEVICE_USAGE}
  --lock-duration <ms>    a job whose worker stops renewing its lock for this long is taken back (default ${DEFAULTS.lockDuration})
  --stalled-interval <ms> how often this worker looks for such jobs (default ${DEFAULTS.stalledInterval})
  --max-stalled <n>       a job that has lost its worker more than n times fails (default ${DEFAULTS.maxStalled}): a file
                          that kills every worker that takes it ends failed, with the workers it killed
  --exit-when-drained     exit once no job is waiting, delayed or active
  --force                 replace existing outputs that no manifest in the folder vouches for
  -h, --help              show this help

SIGTERM or Ctrl-C: take no new job, finish the current ones, exit 0; a second one abandons them
(another worker takes them over). A job that fails with an error is retried with backoff (see
'enhance submit --attempts'); one whose input is bad fails at once with the reason. See docs/batch.md.`;

export const workerCommand: CliCommand = fleetCommand({
  name: 'worker',
  summary: 'enhance jobs from a queue (BullMQ on Redis), on as many machines as you like',
  usage,
  positionals: false,
  options: {
    ...QUEUE_OPTIONS,
    'out-dir': { type: 'string' },
    concurrency: { type: 'string' },
    ...DEVICE_OPTIONS,
    'lock-duration': { type: 'string' },
    'stalled-interval': { type: 'string' },
    'max-stalled': { type: 'string' },
    'exit-when-drained': { type: 'boolean' },
    force: { type: 'boolean' },
  },
  async run({ values }, io) {
    const address = parseQueueAddress(values);
    const outDir = values['out-dir'];
    if (typeof outDir !== 'string') throw new CliUsageError({ message: 'missing --out-dir <folder>' });
    const options = {
      concurrency: integerOption(values, 'concurrency', DEFAULTS.concurrency, 1),
      lockDuration: integerOption(values, 'lock-duration', DEFAULTS.lockDuration, 100),
      stalledInterval: integerOption(values, 'stalled-interval', DEFAULTS.stalledInterval, 100),
      maxStalledCount: integerOption(values, 'max-stalled', DEFAULTS.maxStalled, 0),
    };
    const machine = { device: parseDevice(values.device as string | undefined), threads: integerOption(values, 'threads', 0, 0) };
    const me = `${hostname()} pid ${process.pid}`;
    await checkReachable(address);
    const folder = await OutputFolder.open(outDir, `worker.${hostname()}.${process.pid}`);
    const say = (line: string) => io.stderr.write(`enhance worker: ${line}\n`);
    const pools = new Map<string, EnhancerPool>();
    const poolFor = (data: EnhanceJobData) => {
      // A job queued before the quality options existed has none: it is made as it was then.
      const settings = settingsOfOutput({ ...data, settings: { ...EARLIER_SETTINGS, ...data.settings } }, machine);
      const key = JSON.stringify(settings);
      let pool = pools.get(key);
      if (!pool) pools.set(key, (pool = new EnhancerPool(settings, (message) => say(`warning: ${message}`))));
      return pool;
    };

    const { Worker, UnrecoverableError, Queue } = await loadBullmq();
    const process_ = async (job: Job<EnhanceJobData, EnhanceJobResult>): Promise<EnhanceJobResult> => {
      const attempt = `attempt ${job.attemptsStarted} on ${me}`;
      // Logged in the job first: a worker killed from here on is named among the job's attempts.
      await job.log(attempt).catch(() => undefined);
      say(`started ${job.data.input} (${attempt})`);
      try {
        return await enhanceJob(job.data, job.attemptsStarted, { folder, pool: poolFor(job.data), me, force: values.force === true, say });
      } catch (error) {
        const reason = errorReason(error);
        say(`failed ${job.data.input} (${attempt}): ${reason}`);
        // A bad input, a model that differs from the submitted one, an output in the way: trying again cannot help.
        if (EnhanceError.isInstance(error) && !RETRYABLE.has(error.code)) throw new UnrecoverableError(reason);
        throw new Error(reason);
      }
    };

    const connection = { ...address.redis, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
    const worker = new Worker<EnhanceJobData, EnhanceJobResult>(address.name, process_, { connection, ...options, autorun: false });
    // One line when the connection drops and one when work resumes, however many retries lie between.
    let lastWarning = '';
    let outage = false;
    worker.on('error', (error) => {
      const line = `warning: queue at ${address.display}: ${error.message}; reconnecting`;
      if (line !== lastWarning) say(line);
      lastWarning = line;
    });
    worker.on('ioredis:close', () => {
      if (!outage) say(`warning: lost the connection to the queue at ${address.display}; reconnecting`);
      outage = true;
    });
    const resumed = () => {
      if (outage) say(`connected to the queue at ${address.display} again`);
      outage = false;
      lastWarning = '';
    };
    worker.on('active', resumed);
    worker.on('completed', resumed);
    worker.on('stalled', (jobId) => say(`job ${jobId} lost its worker; it goes back to the queue`));

    let closing: Promise<void> | undefined;
    const close = (why: string, signal?: 'SIGINT' | 'SIGTERM') => {
      if (closing) {
        if (!signal) return;
        // The jobs in hand are dropped: their locks lapse and another worker takes them over.
        const { left } = removeFilesInProgress();
        say(`${why} again: abandoning the current job(s) to other workers${left.length ? ` (already in place: ${left.join(', ')})` : ''}`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      say(`${why}: finishing the current job(s), taking no new one`);
      closing = worker.close();
    };
    const onInterrupt = () => close('interrupted', 'SIGINT');
    const onTerminate = () => close('terminated', 'SIGTERM');
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onTerminate);

    let drainWatch: NodeJS.Timeout | undefined;
    let queue: InstanceType<typeof Queue> | undefined;
    if (values['exit-when-drained']) {
      queue = new Queue(address.name, { connection });
      queue.on('error', () => undefined);
      drainWatch = setInterval(
        async () => {
          try {
            const counts = await queue!.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'waiting-children');
            if (!closing && Object.values(counts).every((count) => count === 0)) close('the queue is drained');
          } catch {
            // Redis unreachable for now: the worker's own warning says so.
          }
        },
        Math.min(1000, options.stalledInterval),
      );
    }

    say(`${me}: taking jobs from queue '${address.name}' at ${address.display} into ${folder.path} (concurrency ${options.concurrency})`);
    try {
      await worker.run();
      await closing;
    } finally {
      if (drainWatch) clearInterval(drainWatch);
      await queue?.close().catch(() => undefined);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      for (const pool of pools.values()) await pool.dispose();
      await folder.close();
    }
    say('stopped');
    return 0;
  },
});

/** Failures that may pass: the output folder's storage (full, unreachable for a moment). */
const RETRYABLE = new Set(['CLI_IO', 'CLI_OUTPUT']);

interface JobContext {
  folder: OutputFolder;
  pool: EnhancerPool;
  me: string;
  force: boolean;
  say: (line: string) => void;
}

async function enhanceJob(data: EnhanceJobData, attempt: number, { folder, pool, me, force, say }: JobContext): Promise<EnhanceJobResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started) / 1000;
  const base = folder.blankRecord(data.input, data.outputName, data.settings);
  let file: InputFile | undefined;
  try {
    // A worker killed while writing this output left its temporary; this job owns the output now. (Only
    // a retry can find one, and listing a folder of a million outputs for every job would cost.)
    if (attempt > 1) await folder.removeLeftovers([data.outputName]);
    file = await readInputFile(data.input);
    if (file.sha256 !== data.inputSha256) {
      throw new QueueError({
        message: `${data.input}: changed since it was submitted (SHA-256 ${file.sha256}, submitted ${data.inputSha256}); submit it again`,
      });
    }
    const input = { inputSha256: file.sha256, inputBytes: file.bytes.length };
    const identity = {
      inputSha256: file.sha256,
      settings: data.settings,
      modelSha256For: async (kind: string) => data.modelSha256[kind as EnhanceKind],
    };
    /** The output is there already, vouched for: the job is done without running the network. */
    const completeAlready = async (earlier: ManifestRecord): Promise<EnhanceJobResult> => {
      const { outputSha256, outputBytes, kind, model, modelSha256, device } = earlier;
      await folder.record({
        ...base,
        ...input,
        status: 'skipped',
        outputSha256,
        outputBytes,
        kind,
        model,
        modelSha256,
        device,
        qa: earlier.qa ?? null,
        seconds: elapsed(),
      });
      say(`${data.input}: ${data.outputName} is complete already (${earlier.time}), nothing to do`);
      return {
        status: 'complete',
        output: earlier.output,
        outputSha256,
        outputBytes,
        kind,
        modelSha256,
        device,
        worker: me,
        seconds: elapsed(),
      };
    };
    const state = await folder.check(data.outputName, identity);
    if (state.state === 'complete') return await completeAlready(state.record);
    if (state.state === 'foreign' && !force) {
      throw new QueueError({
        message: `${folder.outputPath(data.outputName)}: already exists and no manifest in the output folder says it was made there (remove it, or run the worker with --force)`,
      });
    }
    const parsed = parseInput(file, pool.settings, (message) => say(`warning: ${message}`));
    const model = await pool.model(parsed.kind);
    const submitted = data.modelSha256[parsed.kind];
    if (model.sha256 !== submitted) {
      throw new QueueError({
        message: submitted
          ? `${model.path}: not the ${parsed.kind} model that was submitted (SHA-256 ${model.sha256}, submitted ${submitted}): this worker's models differ from the submitter's`
          : `${data.input}: a ${parsed.kind} image, but where it was submitted no ${parsed.kind} model worked with its options (enhance submit warned why)`,
      });
    }
    const output = await enhanceToFits(pool, data.input, parsed, { outputPath: folder.outputPath(data.outputName) });
    const known = {
      ...input,
      kind: parsed.kind,
      model: model.name,
      modelSha256: model.sha256,
      device: output.device,
      qa: output.qa,
      seconds: elapsed(),
    };
    let record: ManifestRecord;
    try {
      record = await folder.commit(data.outputName, output, { ...base, ...known }, { replace: state.state !== 'absent' });
    } catch (error) {
      // Another worker that took this job over (its lock had lapsed) may have put the same output there first.
      if (EnhanceError.isInstance(error) && error.code === 'CLI_OUTPUT_EXISTS') {
        const again = await folder.check(data.outputName, identity);
        if (again.state === 'complete') return await completeAlready(again.record);
      }
      throw error;
    }
    say(`${data.input} → ${record.output} (${parsed.kind}, ${output.device}, ${elapsed().toFixed(2)} s)`);
    return {
      status: 'done',
      output: record.output,
      outputSha256: record.outputSha256,
      outputBytes: record.outputBytes,
      kind: parsed.kind,
      modelSha256: model.sha256,
      device: output.device,
      worker: me,
      seconds: elapsed(),
    };
  } catch (error) {
    const input = file ? { inputSha256: file.sha256, inputBytes: file.bytes.length } : {};
    await folder.record({ ...base, ...input, status: 'failed', seconds: elapsed(), error: errorReason(error) }).catch(() => undefined);
    throw error;
  }
}
