import crypto from 'node:crypto';
import IORedis from 'ioredis';
import type { JobSettings, PlatformConfig } from '../../platform/src/config';
import { EventPipeline } from '../../platform/src/events/pipeline';
import { createJobQueue } from '../../platform/src/jobs/create-queue';
import type { JobQueue } from '../../platform/src/jobs/queue';
import type { LogLevel, LogSink } from '../../platform/src/logging';
import type { PluginDefinition } from '../../platform/src/plugins/sdk';
import type { TestPlatform } from './platform';

/**
 * The pipeline's pace in tests: retries after 50, 100, 200, 200... ms; HTTP given up after
 * 1 s and handlers after 2 s (a loaded machine running PGlite may stall a second).
 */
export const FAST_JOBS: JobSettings = {
  pollMs: 20, retryBaseMs: 50, retryMaxMs: 200, deferMs: 20, handlerTimeoutMs: 2_000, httpTimeoutMs: 1_000, recoveryMs: 60_000, concurrency: 8,
};

/**
 * Settings for a test file's platform: fast timings, a secrets key, and, when REDIS_URL is
 * set, BullMQ under a prefix of its own so parallel test files do not share jobs.
 */
export function pipelineConfig(): Partial<PlatformConfig> {
  return {
    jobs: { ...FAST_JOBS },
    secretsKey: crypto.randomBytes(32).toString('base64'),
    redisUrl: process.env.REDIS_URL || undefined,
    queuePrefix: `lapin-test-${crypto.randomBytes(4).toString('hex')}`,
  };
}

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** A pipeline running beside a test platform, its logs captured rather than printed. */
export class RunningPipeline {
  private constructor(readonly queue: JobQueue, readonly pipeline: EventPipeline, readonly logs: LogEntry[]) {}

  static async start(test: TestPlatform, options: { plugins?: readonly PluginDefinition<any>[]; queue?: JobQueue } = {}): Promise<RunningPipeline> {
    const logs: LogEntry[] = [];
    const log: LogSink = (level, message, fields = {}) => void logs.push({ level, message, fields });
    const queue = options.queue ?? createJobQueue(test.platform.config, log);
    test.platform.queue = queue;
    const pipeline = await EventPipeline.start(test.platform, queue, { plugins: options.plugins, log });
    return new RunningPipeline(queue, pipeline, logs);
  }

  async stop(): Promise<void> {
    await this.pipeline.stop();
    await this.queue.close();
  }
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deletes a test file's BullMQ keys. */
export async function dropQueueKeys(config: PlatformConfig): Promise<void> {
  if (!config.redisUrl) return;
  const redis = new IORedis(config.redisUrl);
  try {
    const keys = await redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
