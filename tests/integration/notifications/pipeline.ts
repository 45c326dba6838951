import type { PlatformConfig } from '../../../platform/src/config';
import { readConfig } from '../../../platform/src/config';
import { EventPipeline } from '../../../platform/src/events/pipeline';
import { createJobQueue } from '../../../platform/src/jobs/create-queue';
import type { JobQueue } from '../../../platform/src/jobs/queue';
import type { LogSink } from '../../../platform/src/logging';
import type { TestPlatform } from '../../support/platform';

/** The event pipeline's pace for tests: retries within a second, not within hours. */
export function fastJobs(overrides: Partial<PlatformConfig['jobs']> = {}): PlatformConfig['jobs'] {
  return { ...readConfig({}).jobs, pollMs: 30, retryBaseMs: 30, retryMaxMs: 300, deferMs: 30, ...overrides };
}

export interface RunningPipeline {
  queue: JobQueue;
  pipeline: EventPipeline;
  log: LogSink;
  logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Outbox → queue → consumers for the test platform, as `npm start` runs them (in-process queue unless REDIS_URL is in its config). */
export async function startPipeline(test: TestPlatform): Promise<RunningPipeline> {
  const logs: RunningPipeline['logs'] = [];
  const log: LogSink = (level, message, fields) => logs.push({ level, message, fields });
  const queue = createJobQueue(test.platform.config, log);
  test.platform.queue = queue;
  const pipeline = await EventPipeline.start(test.platform, queue, { plugins: [], log });
  return {
    queue,
    pipeline,
    log,
    logs,
    async stop() {
      await pipeline.stop();
      await queue.close();
      test.platform.queue = undefined;
    },
  };
}

/** Polls until `check` answers something truthy; fails after `timeoutMs` with what it last saw. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | null | undefined | false;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
