import { batchCommand } from './batch/batch-command.js';
import type { CliCommand } from '@enhance/core/node';
import { statusCommand } from './queue/status-command.js';
import { submitCommand } from './queue/submit-command.js';
import { workerCommand } from './queue/worker-command.js';

/**
 * The commands for many files: `batch` (one process), and the queue's `submit`, `worker` and `status`
 * (whose BullMQ client is imported only when one of them runs, so `enhance run` does not load it).
 */
export const FLEET_CLI_COMMANDS: readonly CliCommand[] = [batchCommand, submitCommand, workerCommand, statusCommand];
