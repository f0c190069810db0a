import type { Queue, RedisOptions } from 'bullmq';
import { CliUsageError } from '@enhance/core/node';
import { QueueError } from './queue-error.js';

/** Jobs live in Redis under bull:<name>:*; one name per fleet (or per campaign). */
export const DEFAULT_QUEUE_NAME = 'enhance';

export const QUEUE_OPTIONS = {
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
} as const;

export const QUEUE_USAGE = `  --queue <url>           the Redis server holding the queue: redis://[user:password@]host:port[/db]
                          (rediss:// for TLS; required)
  --queue-name <name>     the queue (default: ${DEFAULT_QUEUE_NAME})`;

/** Where the queue is, as typed (for messages, without the password) and as ioredis options. */
export interface QueueAddress {
  readonly display: string;
  readonly name: string;
  readonly redis: RedisOptions;
}

export function parseQueueAddress(values: Record<string, string | boolean | undefined>): QueueAddress {
  const text = values.queue;
  if (typeof text !== 'string' || text === '') throw new CliUsageError({ message: 'missing --queue redis://host:port' });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError({ message: `--queue ${JSON.stringify(text)} is invalid: expected redis://host:port` });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new CliUsageError({ message: `--queue ${JSON.stringify(text)} is invalid: expected a redis:// or rediss:// URL` });
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new CliUsageError({ message: `--queue ${JSON.stringify(text)} is invalid: the path must be a database number` });
  const name = typeof values['queue-name'] === 'string' ? values['queue-name'] : DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new CliUsageError({ message: `--queue-name ${JSON.stringify(name)} is invalid: letters, digits, '_', '.', '-'` });
  const redis: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port === '' ? 6379 : Number(url.port),
    db: db === '' ? 0 : Number(db),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { display: `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`, name, redis };
}

/** BullMQ is loaded only by the queue commands: `enhance run` and `batch` never pay for it. */
export function loadBullmq(): Promise<typeof import('bullmq')> {
  return import('bullmq');
}

/**
 * Connects once, without retrying, to tell an unreachable or misconfigured server from a slow one
 * before any work: `submit` and `status` fail at once with the reason, and never hang.
 */
export async function checkReachable(address: QueueAddress, timeoutMs = 5000): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...address.redis,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than connect()'s 'Connection is closed'.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (thrown) {
    const error = socketError ?? thrown;
    const code = (error as NodeJS.ErrnoException).code;
    throw new QueueError({
      message: `cannot reach Redis at ${address.display}: ${code ?? (error as Error).message}${code === 'ECONNREFUSED' ? ' (is redis-server running there?)' : ''}`,
      cause: error,
    });
  } finally {
    client.disconnect();
  }
}

/** A Queue for one command (submit, status): reachable checked first; commands fail after a few retries instead of waiting forever. */
export async function openQueue(address: QueueAddress): Promise<Queue> {
  await checkReachable(address);
  const { Queue } = await loadBullmq();
  const queue = new Queue(address.name, {
    connection: { ...address.redis, maxRetriesPerRequest: 3, retryStrategy: (times: number) => (times > 5 ? null : 200 * times) },
  });
  queue.on('error', () => undefined); // each command's own promise rejects with it
  await queue.waitUntilReady();
  return queue;
}
