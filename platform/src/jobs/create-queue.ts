import type { PlatformConfig } from '../config';
import type { LogSink } from '../logging';
import { InProcessQueue } from './in-process-queue';
import type { JobQueue } from './queue';

/** BullMQ when REDIS_URL is set, else the in-process runner. */
export function createJobQueue(config: PlatformConfig, log: LogSink): JobQueue {
  const settings = { concurrency: config.jobs.concurrency, retryMaxMs: config.jobs.retryMaxMs, log };
  if (!config.redisUrl) return new InProcessQueue(settings);
  // Loaded only with Redis: BullMQ and ioredis add some 40 MB an embedded install never uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BullMqQueue } = require('./bullmq-queue') as typeof import('./bullmq-queue');
  return new BullMqQueue({ ...settings, url: config.redisUrl, prefix: config.queuePrefix });
}
