import { DateTime } from 'luxon';
import type { JobSettings } from '../config';
import { Database, tx } from '../db/database';
import type { JobQueue } from '../jobs/queue';
import { errorMessage, LogSink, withRequestId } from '../logging';
import { consumerJobName, consumerJobOptions, ConsumerJobPayload, EventConsumer } from './consumers';
import type { DomainEvent } from './domain-event';

const BATCH_SIZE = 100;

interface OutboxRow {
  id: string;
  territory_id: string;
  organisation_id: string | null;
  model: string;
  event: DomainEvent['event'];
  record_id: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  timezone: string;
  request_id: string | null;
}

/** Outbox columns (aliased `o`) and the territory's zone (`t`), as `eventOf` reads them. */
export const OUTBOX_EVENT_COLUMNS = `o.id, o.territory_id, o.organisation_id, o.model, o.event, o.record_id, o.payload, o.occurred_at, t.timezone`;

export function eventOf(row: OutboxRow): DomainEvent {
  return {
    id: String(row.id),
    model: row.model,
    event: row.event,
    record_id: row.record_id,
    payload: row.payload,
    organisation_id: row.organisation_id,
    territory_id: row.territory_id,
    occurred_at: DateTime.fromJSDate(new Date(row.occurred_at), { zone: row.timezone }).toISO()!,
  };
}

/**
 * Hands committed outbox events to the queue, one job per interested consumer.
 * Each batch is one system transaction: rows are claimed with SKIP LOCKED (several
 * dispatchers never take the same row), the jobs are added with deterministic ids,
 * receipts are written `pending`, and rows are marked dispatched. If the queue refuses
 * (Redis unreachable), the transaction rolls back and the rows wait for the next round;
 * if the commit fails after the adds, the next round adds the same job ids, which the
 * queue drops, and the receipts keep consumers from handling an event twice.
 */
export class OutboxDispatcher {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private failing = false;

  constructor(
    private readonly db: Database,
    private readonly queue: JobQueue,
    private readonly consumers: readonly EventConsumer[],
    private readonly settings: JobSettings,
    private readonly log: LogSink,
  ) {}

  /** One round; answers how many events it dispatched. */
  async dispatchBatch(): Promise<number> {
    return this.db.system(async () => {
      const rows: OutboxRow[] = await tx().query(
        `SELECT ${OUTBOX_EVENT_COLUMNS}, o.request_id
           FROM outbox_events o JOIN territories t ON t.id = o.territory_id
          WHERE o.dispatched_at IS NULL
          ORDER BY o.id
          LIMIT $1
          FOR NO KEY UPDATE OF o SKIP LOCKED`,
        [BATCH_SIZE],
      );
      if (!rows.length) return 0;
      const receipts: [string, string, string][] = [];
      for (const row of rows) {
        const event = eventOf(row);
        for (const consumer of this.consumers) {
          if (!consumer.handles(event.model, event.event)) continue;
          const payload: ConsumerJobPayload = { event };
          // Queued on behalf of the request that recorded the event: the job logs under its id.
          await withRequestId(row.request_id ?? undefined, () =>
            this.queue.add(consumerJobName(consumer.name), payload, consumerJobOptions(event.id, consumer.name, this.settings)));
          receipts.push([event.id, consumer.name, event.territory_id]);
        }
      }
      if (receipts.length) {
        await tx().query(
          `INSERT INTO consumer_receipts (event_id, consumer, territory_id)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::uuid[]) ON CONFLICT DO NOTHING`,
          [receipts.map((r) => r[0]), receipts.map((r) => r[1]), receipts.map((r) => r[2])],
        );
      }
      await tx().query(`UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /** Dispatches until stopped: at once while there is a backlog, else every `pollMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let dispatched = 0;
        try {
          dispatched = await this.dispatchBatch();
          if (this.failing) this.log('info', 'outbox dispatch works again');
          this.failing = false;
        } catch (error) {
          // Rows stay undispatched; logged once per outage.
          if (!this.failing) this.log('error', 'outbox dispatch failed, will retry', { error: errorMessage(error) });
          this.failing = true;
        }
        if (dispatched < BATCH_SIZE && this.running) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.settings.pollMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
