import { once } from 'node:events';
import { DelayedError, Job as BullJob, JobsOptions, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { errorMessage } from '../logging';
import type { QueueSettings } from './in-process-queue';
import { backoffDelay, JobDeferred, JobHandler, JobOptions, JobQueue, withTimeout } from './queue';

/** One BullMQ queue carries every job; the job's name picks its handler. */
const QUEUE_NAME = 'lapin';
/** BullMQ's own exponential backoff has no ceiling: ours does. */
const CAPPED_BACKOFF = 'capped-exponential';
/** How long `start` waits for a first connection to Redis. */
const START_WAIT_MS = 3_000;
/** A Redis that stops answering mid-add must fail the add, so the outbox keeps the event. */
const ADD_TIMEOUT_MS = 5_000;

/**
 * BullMQ on Redis. Every process may add; only the ones that call `start()` (the worker,
 * or an API process in embedded mode) consume. An add fails at once while Redis is
 * unreachable, rather than waiting in memory for a connection that may never come.
 */
export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly producer: IORedis;
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly handlers = new Map<string, JobHandler>();
  private unreachable = false;

  constructor(private readonly settings: QueueSettings & { url: string; prefix: string }) {
    this.producer = new IORedis(settings.url, { maxRetriesPerRequest: 1 });
    this.producer.on('error', (error) => this.connectionError(error));
    this.queue = new Queue(QUEUE_NAME, {
      connection: this.producer,
      prefix: settings.prefix,
      defaultJobOptions: { removeOnComplete: { age: 3_600, count: 10_000 }, removeOnFail: { age: 7 * 86_400 } },
    });
    this.queue.on('error', (error) => this.connectionError(error));
  }

  async add(name: string, payload: unknown, options: JobOptions = {}): Promise<void> {
    if (this.producer.status !== 'ready') throw new Error(`The job queue (Redis) is unreachable (${this.producer.status})`);
    const added = this.queue.add(name, payload, {
      jobId: options.jobId,
      attempts: options.attempts ?? 1,
      backoff: options.backoff ? { type: CAPPED_BACKOFF, delay: options.backoff.delay } : undefined,
      delay: options.delay,
    });
    await withTimeout(added, ADD_TIMEOUT_MS, 'The job queue (Redis) did not answer');
    if (this.unreachable) {
      this.unreachable = false;
      this.settings.log('info', 'job queue reachable again');
    }
  }

  process(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  async ping(): Promise<void> {
    await withTimeout(this.producer.ping(), ADD_TIMEOUT_MS, 'The job queue (Redis) did not answer');
  }

  async start(): Promise<void> {
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.run(job, token), {
      // Workers block on Redis: BullMQ wants commands retried for ever there.
      connection: { url: this.settings.url, maxRetriesPerRequest: null },
      prefix: this.settings.prefix,
      concurrency: this.settings.concurrency,
      settings: { backoffStrategy: (attemptsMade, _type, _error, job) => this.retryDelay(job, attemptsMade) },
    });
    this.worker.on('error', (error) => this.connectionError(error));
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.settings.log('warn', 'job failed for good', { job: job.name, job_id: job.id, attempts: job.attemptsMade, error: errorMessage(error) });
      }
    });
    // A moment for the first connection, so the recovery that follows can add its jobs; past
    // it, Redis is down: the worker connects in the background, the outbox keeps the events.
    if (this.producer.status !== 'ready') {
      await withTimeout(once(this.producer, 'ready'), START_WAIT_MS, 'Redis is not ready').catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    // A graceful close waits for running jobs, and for ever for a Redis that never answered.
    await this.worker?.close(this.producer.status !== 'ready');
    await this.queue.close();
    // The producer connection is ours, not BullMQ's: a quit would wait for a Redis that may be gone.
    this.producer.disconnect();
  }

  private async run(job: BullJob, token?: string): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`No handler for job ${job.name}`);
    const attempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    try {
      await handler({
        id: job.id!, name: job.name, payload: job.data, attempt, attempts,
        nextRetryDelayMs: attempt < attempts ? this.retryDelay(job, attempt) : null,
      });
    } catch (error) {
      if (!(error instanceof JobDeferred)) throw error;
      // BullMQ's way to run a job later without spending an attempt.
      await job.moveToDelayed(Date.now() + error.delayMs, token);
      throw new DelayedError();
    }
  }

  private retryDelay(job: { opts: JobsOptions } | undefined, failedAttempts: number): number {
    const backoff = job?.opts.backoff;
    return backoffDelay(failedAttempts, typeof backoff === 'object' ? backoff.delay ?? 0 : 0, this.settings.retryMaxMs);
  }

  /** Logged once per outage, not once per reconnection attempt. */
  private connectionError(error: Error): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.settings.log('error', 'job queue unreachable', { error: errorMessage(error) });
  }
}
