import type { JobSettings } from '../config';
import { Database, tx } from '../db/database';
import { Job, JobDeferred, JobOptions, withTimeout } from '../jobs/queue';
import { errorMessage, LogSink } from '../logging';
import type { DomainEvent } from './domain-event';
import { recordJobFailure } from './failures';

/** Something that acts on domain events after commit: each plugin that handles events is one. */
export interface EventConsumer {
  /** Stable: receipts and job ids carry it (`plugin-webhooks`). */
  name: string;
  handles(model: string, event: string): boolean;
  /** Must be idempotent: a crash between its effect and its receipt runs it again. */
  handle(event: DomainEvent): Promise<void>;
}

export interface ConsumerJobPayload {
  event: DomainEvent;
}

/** Attempts of an event's handler: with the default timings, about two and a half hours of retries. */
export const CONSUMER_ATTEMPTS = 12;

export function consumerJobName(consumer: string): string {
  return `event:${consumer}`;
}

/** One job per (event, consumer), whatever process or dispatch adds it. */
export function consumerJobOptions(eventId: string, consumer: string, settings: JobSettings): JobOptions {
  return {
    jobId: `outbox.${eventId}.${consumer}`,
    attempts: CONSUMER_ATTEMPTS,
    backoff: { type: 'exponential', delay: settings.retryBaseMs },
  };
}

type Readiness = 'gone' | 'settled' | 'waiting' | 'ready';

/**
 * Where the event stands for this consumer. It waits while the dispatch that queued it has
 * not committed, and while an earlier event of the same record is undispatched or still
 * pending for this consumer: a record's events are handled in outbox order.
 */
async function readiness(db: Database, consumer: string, event: DomainEvent): Promise<Readiness> {
  return db.system(async () => {
    const [receipt] = await tx().query(
      `SELECT r.status FROM outbox_events o
         LEFT JOIN consumer_receipts r ON r.event_id = o.id AND r.consumer = $2
        WHERE o.id = $1`,
      [event.id, consumer],
    );
    if (!receipt) return 'gone';
    if (receipt.status === null) return 'waiting';
    if (receipt.status !== 'pending') return 'settled';
    const [earlier] = await tx().query(
      `SELECT o.id FROM outbox_events o
         LEFT JOIN consumer_receipts r ON r.event_id = o.id AND r.consumer = $5
        WHERE o.territory_id = $1 AND o.model = $2 AND o.record_id = $3 AND o.id < $4
          AND (o.dispatched_at IS NULL OR r.status = 'pending')
        LIMIT 1`,
      [event.territory_id, event.model, event.record_id, event.id, consumer],
    );
    return earlier ? 'waiting' : 'ready';
  });
}

/**
 * Runs one consumer on one event: at most one successful run is recorded, a settled
 * event is never handled again, failures are kept for admins and retried by the queue,
 * a handler that hangs counts as failed after `handlerTimeoutMs`.
 */
export async function runConsumerJob(
  db: Database, consumer: EventConsumer, job: Job<ConsumerJobPayload>, settings: JobSettings, log: LogSink,
): Promise<void> {
  const { event } = job.payload;
  const state = await readiness(db, consumer.name, event);
  if (state === 'gone' || state === 'settled') return;
  if (state === 'waiting') throw new JobDeferred(settings.deferMs);
  try {
    await withTimeout(consumer.handle(event), settings.handlerTimeoutMs, `No answer within ${settings.handlerTimeoutMs} ms`);
  } catch (error) {
    const final = job.attempt >= job.attempts;
    log(final ? 'error' : 'warn', 'event consumer failed', {
      consumer: consumer.name, event_id: event.id, model: event.model, event: event.event, attempt: job.attempt, final, error: errorMessage(error),
    });
    await recordJobFailure(db, {
      territoryId: event.territory_id, consumer: consumer.name, job: 'event', eventId: event.id,
      attempt: job.attempt, final, error: errorMessage(error),
    });
    throw error;
  }
  await db.system(() => tx().query(
    `UPDATE consumer_receipts SET status = 'done', attempts = $3, last_error = NULL, settled_at = now(), updated_at = now()
      WHERE event_id = $1 AND consumer = $2 AND status = 'pending'`,
    [event.id, consumer.name, job.attempt],
  ));
}
