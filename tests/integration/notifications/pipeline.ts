import type { PlatformConfig } from '../../../platform/src/config';
import { readConfig } from '../../../platform/src/config';
import { EventPipeline } from '../../../platform/src/events/pipeline';
import { createJobQueue } from '../../../platform/src/jobs/create-queue';
import type { JobQueue } from '../../../platform/src/jobs/queue';
import type { LogSink } from '../../../platform/src/logging';
import type { SMTPServerOptions } from 'smtp-server';
import { TestPlatform } from '../../support/platform';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { bookingFixture, NOW, type BookingFixture } from '../booking/helpers';

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

/** A real SMTP server, a platform sending to it with fast retries, the booking fixture and the running pipeline. */
export interface NotificationStack {
  smtp: TestSmtpServer;
  test: TestPlatform;
  f: BookingFixture;
  pipeline: RunningPipeline;
  stop(): Promise<void>;
}

export async function startNotificationStack(smtpOptions: Partial<SMTPServerOptions> = {}): Promise<NotificationStack> {
  const smtp = await startSmtpServer(smtpOptions);
  const test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, jobs: fastJobs() } });
  const f = await bookingFixture(test);
  const pipeline = await startPipeline(test);
  return {
    smtp, test, f, pipeline,
    async stop() {
      await pipeline.stop();
      await test.stop();
      await smtp.close();
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
