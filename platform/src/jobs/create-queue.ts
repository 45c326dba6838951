import type { PlatformConfig } from '../config';
import type { LogSink } from '../logging';
import { BullMqQueue } from './bullmq-queue';
import { InProcessQueue } from './in-process-queue';
import type { JobQueue } from './queue';

/** BullMQ when REDIS_URL is set, else the in-process runner. */
export function createJobQueue(config: PlatformConfig, log: LogSink): JobQueue {
  const settings = { concurrency: config.jobs.concurrency, retryMaxMs: config.jobs.retryMaxMs, log };
  return config.redisUrl
    ? new BullMqQueue({ ...settings, url: config.redisUrl, prefix: config.queuePrefix })
    : new InProcessQueue(settings);
}
