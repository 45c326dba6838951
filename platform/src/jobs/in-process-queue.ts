import { AsyncResource } from 'node:async_hooks';
import crypto from 'node:crypto';
import { errorMessage, LogSink } from '../logging';
import { backoffDelay, JobDeferred, JobHandler, JobOptions, JobQueue } from './queue';

interface QueuedJob {
  id: string;
  name: string;
  payload: unknown;
  failedAttempts: number;
  attempts: number;
  backoffMs?: number;
}

export interface QueueSettings {
  concurrency: number;
  retryMaxMs: number;
  log: LogSink;
}

/**
 * Embedded mode's queue: jobs live in this process's memory, run with bounded
 * concurrency, and are retried like BullMQ's. A crash loses them; the pipeline's
 * recovery queues them again from the database when the process restarts.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, JobHandler>();
  /** Waiting, delayed and running jobs, by id: an add with a known id is dropped. */
  private readonly live = new Map<string, QueuedJob>();
  private readonly ready: QueuedJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private started = false;
  /**
   * Jobs run in the queue's own async context, never in the adder's: a job added inside a
   * transaction must not find that transaction (AsyncLocalStorage) once it has ended.
   */
  private readonly context = new AsyncResource('lapin-in-process-queue');

  constructor(private readonly settings: QueueSettings) {}

  async add(name: string, payload: unknown, options: JobOptions = {}): Promise<void> {
    const id = options.jobId ?? crypto.randomUUID();
    if (this.live.has(id)) return;
    // Serialised as BullMQ would: a handler never sees the caller's objects.
    const job: QueuedJob = {
      id, name, payload: JSON.parse(JSON.stringify(payload ?? null)), failedAttempts: 0,
      attempts: Math.max(1, options.attempts ?? 1), backoffMs: options.backoff?.delay,
    };
    this.live.set(id, job);
    this.schedule(job, options.delay ?? 0);
  }

  process(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  /** Lives in this process: it answers as long as the process does. */
  async ping(): Promise<void> {}

  async start(): Promise<void> {
    this.started = true;
    this.pump();
  }

  async close(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running);
  }

  private schedule(job: QueuedJob, delayMs: number): void {
    if (delayMs <= 0) {
      this.ready.push(job);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(job);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private pump(): void {
    while (this.started && this.running.size < this.settings.concurrency && this.ready.length) {
      const job = this.ready.shift()!;
      const run = this.context.runInAsyncScope(() => this.run(job)).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: QueuedJob): Promise<void> {
    const attempt = job.failedAttempts + 1;
    const retryDelay = job.backoffMs === undefined ? 0 : backoffDelay(attempt, job.backoffMs, this.settings.retryMaxMs);
    try {
      const handler = this.handlers.get(job.name);
      if (!handler) throw new Error(`No handler for job ${job.name}`);
      await handler({
        id: job.id, name: job.name, payload: job.payload, attempt, attempts: job.attempts,
        nextRetryDelayMs: attempt < job.attempts ? retryDelay : null,
      });
      this.live.delete(job.id);
    } catch (error) {
      if (!this.started) return; // closing: the job is dropped with the process, recovery queues it again
      if (error instanceof JobDeferred) {
        this.schedule(job, error.delayMs);
      } else if (attempt < job.attempts) {
        job.failedAttempts = attempt;
        this.schedule(job, retryDelay);
      } else {
        this.live.delete(job.id);
        this.settings.log('warn', 'job failed for good', { job: job.name, job_id: job.id, attempts: attempt, error: errorMessage(error) });
      }
    }
  }
}
