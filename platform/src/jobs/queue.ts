export interface JobOptions {
  /** Adding a job whose id is already queued (waiting, delayed or running) does nothing. */
  jobId?: string;
  /** How many times the handler may run before the job is given up; 1 by default. */
  attempts?: number;
  /** Exponential: `delay` before the 2nd attempt, doubling each time, capped by the queue. */
  backoff?: { type: 'exponential'; delay: number };
  /** Milliseconds before the first attempt. */
  delay?: number;
}

/** One run of a job, as its handler sees it. */
export interface Job<P = unknown> {
  id: string;
  name: string;
  payload: P;
  /** 1 for the first run; retries count up to `attempts`. */
  attempt: number;
  attempts: number;
  /** The wait before the next attempt should this one fail; null on the last attempt. */
  nextRetryDelayMs: number | null;
}

export type JobHandler<P = any> = (job: Job<P>) => Promise<void>;

/**
 * Thrown by a handler that cannot run yet (an earlier event of the same record is still
 * in flight): the job runs again after `delayMs`, and the wait does not count as an attempt.
 */
export class JobDeferred extends Error {
  constructor(readonly delayMs: number) {
    super(`Deferred by ${delayMs} ms`);
    this.name = 'JobDeferred';
  }
}

/**
 * The queue consumers and plugins run on: BullMQ on Redis, or an in-process runner in
 * embedded mode. Both retry failed jobs with capped exponential backoff and drop an add
 * whose job id is already queued. Durable state lives in PostgreSQL (outbox, receipts,
 * deliveries): a job lost with the process is queued again from there.
 */
export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  add(name: string, payload: unknown, options?: JobOptions): Promise<void>;
  /** Registers the handler of a job name; jobs run once `start()` was called. */
  process(name: string, handler: JobHandler): void;
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
  /** Resolves when the queue answers (health checks); rejects otherwise. */
  ping(): Promise<void>;
}

/** The delay before attempt `failedAttempts + 1`: base, 2×base, 4×base... never above max. */
export function backoffDelay(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** Rejects with `message` when `work` takes longer than `ms` (the work itself is not stopped). */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}
