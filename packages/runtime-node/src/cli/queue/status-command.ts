import type { CliCommand } from '@enhance/core/node';
import { fleetCommand, integerOption } from '../fleet-command.js';
import type { EnhanceJobData } from './enhance-job.js';
import { QUEUE_OPTIONS, QUEUE_USAGE, openQueue, parseQueueAddress } from './queue-connection.js';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
const DEFAULT_FAILED_SHOWN = 20;

const usage = `Usage: enhance status --queue redis://host:port [options]

Counts the queue's jobs (waiting, active, delayed, prioritized, completed, failed) and lists the failed
ones with their reason and attempts (a job that lost its worker names the workers it was on).

Options:
${QUEUE_USAGE}
  --failed <n>            failed jobs to list (default ${DEFAULT_FAILED_SHOWN}; 0: none)
  --json                  print the counts and the failed jobs as JSON on stdout
  -h, --help              show this help`;

export interface FailedJob {
  id: string;
  input: string | null;
  reason: string;
  attemptsStarted: number;
  attemptsMade: number;
  /** One line per attempt: where it ran. */
  attempts: string[];
}

export const statusCommand: CliCommand = fleetCommand({
  name: 'status',
  summary: "show a queue's waiting, active, done and failed jobs",
  usage,
  positionals: false,
  options: { ...QUEUE_OPTIONS, failed: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, io) {
    const address = parseQueueAddress(values);
    const shown = integerOption(values, 'failed', DEFAULT_FAILED_SHOWN, 0);
    const queue = await openQueue(address);
    try {
      const counts = await queue.getJobCounts(...STATES);
      const failed: FailedJob[] = [];
      if (shown > 0) {
        for (const job of await queue.getFailed(0, shown - 1)) {
          if (!job?.id) continue;
          const { logs } = await queue.getJobLogs(job.id);
          failed.push({
            id: job.id,
            input: (job.data as EnhanceJobData | undefined)?.input ?? null,
            reason: job.failedReason ?? '',
            attemptsStarted: job.attemptsStarted,
            attemptsMade: job.attemptsMade,
            attempts: logs,
          });
        }
      }
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ queue: address.name, server: address.display, counts, failed })}\n`);
      } else {
        io.stdout.write(
          `queue '${address.name}' at ${address.display}: ${STATES.map((state) => `${counts[state] ?? 0} ${state}`).join(', ')}\n`,
        );
        for (const job of failed) {
          const where = job.attempts.length ? ` [${job.attempts.join('; ')}]` : '';
          const what = job.input && job.reason.startsWith(job.input) ? job.reason : `${job.input ?? job.id}: ${job.reason}`;
          io.stdout.write(`failed: ${what}${where}\n`);
        }
        const more = (counts.failed ?? 0) - failed.length;
        if (more > 0 && shown > 0) io.stdout.write(`(${more} more failed; --failed <n> lists more)\n`);
      }
      return 0;
    } finally {
      await queue.close();
    }
  },
});
