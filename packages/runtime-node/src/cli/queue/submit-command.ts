import { hostname } from 'node:os';
import type { EnhanceKind } from '@enhance/core';
import { expandInputs } from '../batch/batch-inputs.js';
import { errorReason } from '../batch/error-reason.js';
import { EnhancerPool, digestFile } from '../batch/enhance-file.js';
import { MODEL_OPTIONS, NUMERIC_OPTIONS, modelUsage, outputSettingsOf, parseEnhanceSettings } from '../enhance-settings.js';
import { CliUsageError, type CliCommand } from '@enhance/core/node';
import { fleetCommand, integerOption } from '../fleet-command.js';
import { enhanceJobId } from './enhance-job.js';
import type { EnhanceJobData } from './enhance-job.js';
import { QUEUE_OPTIONS, QUEUE_USAGE, openQueue, parseQueueAddress } from './queue-connection.js';
import { QueueError } from './queue-error.js';

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 10_000;

const usage = `Usage: enhance submit --queue redis://host:port <files… | folder | @list.txt> [options]

Queues one job per FITS file for 'enhance worker' processes on any number of machines. Inputs are
recorded as absolute paths: every worker must see them (and its --out-dir) at the same place. A job's
id is a digest of the input's bytes, the models' and the settings, so submitting the same files again
adds nothing; a file with the same bytes as one already queued is the same job.

Options:
${QUEUE_USAGE}
${modelUsage("in the worker's manifest")}
  --attempts <n>          tries for a job that fails with an error (default ${DEFAULT_ATTEMPTS}); bad inputs fail at once
  --backoff <ms>          wait before the first retry, doubled for each next one (default ${DEFAULT_BACKOFF_MS})
  --json                  print a JSON summary on stdout
  -h, --help              show this help

The models are those of the submitting installation, by SHA-256: a worker whose models differ fails
the job with the reason instead of enhancing it with another network. The options mean what they mean
for 'enhance run' and 'enhance batch', and one that cannot work here (--precision int8 for a kind with
no int8 model installed, --qa without the quality check's model) is refused before anything is queued.
See docs/batch.md.`;

export const submitCommand: CliCommand = fleetCommand({
  name: 'submit',
  summary: 'queue FITS files for enhance workers (BullMQ on Redis)',
  usage,
  positionals: true,
  numericOptions: NUMERIC_OPTIONS,
  options: {
    ...QUEUE_OPTIONS,
    ...MODEL_OPTIONS,
    attempts: { type: 'string' },
    backoff: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const address = parseQueueAddress(values);
    if (positionals.length === 0) throw new CliUsageError({ message: 'expected input files, folders or @list.txt' });
    const settings = parseEnhanceSettings(values);
    const attempts = integerOption(values, 'attempts', DEFAULT_ATTEMPTS, 1);
    const backoff = integerOption(values, 'backoff', DEFAULT_BACKOFF_MS, 0);
    const inputs = await expandInputs(positionals);

    // The models each job may use, by digest (both kinds when the kind is left to each file), checked
    // as `enhance batch` checks them: what cannot work is refused before anything is queued.
    const pool = new EnhancerPool(settings, () => undefined);
    const warn = (message: string) => io.stderr.write(`enhance submit: warning: ${message}\n`);
    const modelSha256: Partial<Record<EnhanceKind, string>> = {};
    try {
      for (const kind of await pool.prepare(warn)) modelSha256[kind] = (await pool.model(kind)).sha256;
    } finally {
      await pool.dispose();
    }

    const queue = await openQueue(address);
    try {
      const failed: { input: string; error: string }[] = [];
      const jobs: { id: string; data: EnhanceJobData }[] = [];
      for (const input of inputs) {
        try {
          const digest = await digestFile(input.path);
          if (!digest) throw new QueueError({ message: `${input.path}: no such file` });
          const data: EnhanceJobData = {
            input: input.path,
            inputSha256: digest.sha256,
            inputBytes: digest.bytes,
            outputName: input.outputName,
            kind: settings.kind ?? null,
            model: settings.model ?? null,
            variant: settings.variant,
            modelSha256,
            settings: outputSettingsOf(settings),
            submitted: `${new Date().toISOString()} from ${hostname()}`,
          };
          jobs.push({ id: enhanceJobId(data), data });
        } catch (error) {
          failed.push({ input: input.path, error: errorReason(error) });
          io.stderr.write(`enhance submit: not submitted: ${errorReason(error)}\n`);
        }
      }
      const existing = new Set<string>();
      for (const { id } of jobs) if (await queue.getJob(id)) existing.add(id);
      const fresh = jobs.filter(({ id }) => !existing.has(id));
      for (let start = 0; start < fresh.length; start += 500) {
        await queue.addBulk(
          fresh.slice(start, start + 500).map(({ id, data }) => ({
            name: data.outputName,
            data,
            opts: { jobId: id, attempts, backoff: { type: 'exponential', delay: backoff }, removeOnComplete: false, removeOnFail: false },
          })),
        );
      }
      io.stderr.write(
        `enhance submit: ${inputs.length} file(s) to queue '${address.name}' at ${address.display}: ${fresh.length} queued, ${existing.size} already there${failed.length ? `, ${failed.length} not submitted` : ''}\n`,
      );
      if (values.json) {
        io.stdout.write(
          `${JSON.stringify({ queue: address.name, server: address.display, queued: fresh.length, existing: existing.size, failed, jobs: jobs.map(({ id, data }) => ({ id, input: data.input, new: !existing.has(id) })) })}\n`,
        );
      }
      return failed.length > 0 ? 1 : 0;
    } finally {
      await queue.close();
    }
  },
});
