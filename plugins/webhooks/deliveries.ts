import { DateTime } from 'luxon';
import type { DomainEvent, PluginContext, PluginJobRun } from '../../platform/src/plugins/sdk';
import { hostRefusal, WebhooksConfig } from './config';
import { isSubscription, signatureHeaders, TEST_EVENT, TEST_MODEL, testBody, webhookBody } from './payload';

/** The reference's bounds: 10 seconds per request, up to 20 attempts with growing delays. */
export const MAX_ATTEMPTS = 20;
const REQUEST_TIMEOUT_MS = 10_000;
/** A receiver's answer is read up to this size, no further. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Longer than any request: a second job for the same delivery waits instead of sending too. */
const LEASE_MS = 60_000;
/** A redelivery job that never sees its round commit gives up after this. */
const ROUND_WAIT_MS = 60_000;
const ERROR_EXCERPT = 500;

type Context = PluginContext<WebhooksConfig>;

export interface DeliveryJob {
  delivery_id: string;
  round: number;
  queued_at: number;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  organisation_id: string;
  target_url: string;
  /** null for a test event. */
  event_id: string | null;
  model: string;
  record_id: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  round: number;
}

export function secretName(endpointId: string): string {
  return `endpoint.${endpointId}`;
}

type QueuedDelivery = { id: string; round: number; model: string };

/** A test event is tried once (its answer is what the admin asked for); a change up to MAX_ATTEMPTS times. */
export function queueDelivery(ctx: Context, delivery: QueuedDelivery): Promise<void> {
  const job: DeliveryJob = { delivery_id: delivery.id, round: delivery.round, queued_at: ctx.now().getTime() };
  return ctx.queue.add('deliver', job, { jobId: `${delivery.id}.${delivery.round}`, attempts: delivery.model === TEST_MODEL ? 1 : MAX_ATTEMPTS });
}

export interface TestEventJob {
  /** Taken from the log's sequence by the request, so that it can answer with it. */
  delivery_id: string;
  endpoint_id: string;
  requested_at: number;
}

/**
 * Sends a test event (`webhook.test`) as one delivery of the log, signed as the others,
 * tried once. Written here rather than by the request, which has not committed yet when
 * this runs; idempotent should it run twice.
 */
export async function sendTestEvent(job: TestEventJob, ctx: Context, run: PluginJobRun): Promise<void> {
  const [endpoint] = await ctx.db.query<{ id: string; organisation_id: string; target_url: string }>(
    `SELECT id, organisation_id, target_url FROM webhook_endpoints WHERE id = $1`, [job.endpoint_id],
  );
  if (!endpoint) return; // removed meanwhile
  const timestamp = DateTime.fromMillis(job.requested_at, { zone: await ctx.core.timeZone() }).toISO()!;
  await ctx.db.query(
    `INSERT INTO webhook_deliveries (id, territory_id, endpoint_id, event_id, model, event, record_id, body)
     VALUES ($1, $2, $3, NULL, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [job.delivery_id, ctx.territoryId, endpoint.id, TEST_MODEL, TEST_EVENT, endpoint.id, testBody(endpoint, timestamp)],
  );
  await deliver({ delivery_id: job.delivery_id, round: 1, queued_at: job.requested_at }, ctx, run);
}

/**
 * An event becomes one delivery per subscribed endpoint of its organisation (never another's).
 * Idempotent: run again, it adds no delivery and queues the same jobs, which the queue drops.
 */
export async function fanOut(event: DomainEvent, ctx: Context): Promise<void> {
  if (!event.organisation_id || !isSubscription(event.model)) return;
  const pending = await ctx.db.transaction(async () => {
    await ctx.db.query(
      `INSERT INTO webhook_deliveries (territory_id, endpoint_id, event_id, model, event, record_id, body)
       SELECT territory_id, id, $1, $2, $3, $4, $5 FROM webhook_endpoints
        WHERE organisation_id = $6 AND $2 = ANY(subscriptions)
       ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [event.id, event.model, event.event, event.record_id, webhookBody(event), event.organisation_id],
    );
    return ctx.db.query<QueuedDelivery>(
      `SELECT id::text AS id, round, model FROM webhook_deliveries WHERE event_id = $1 AND status = 'pending'`, [event.id],
    );
  });
  for (const delivery of pending) await queueDelivery(ctx, delivery);
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function send(ctx: Context, delivery: DeliveryRow): Promise<Outcome> {
  const { config } = await ctx.settingsFor(delivery.organisation_id);
  const refusal = hostRefusal(config, delivery.target_url);
  if (refusal) return { ok: false, status: null, error: refusal };
  const secret = await ctx.secrets.get(secretName(delivery.endpoint_id));
  if (!secret) return { ok: false, status: null, error: 'the endpoint has no secret' };
  const timestamp = Math.floor(ctx.now().getTime() / 1000);
  try {
    const response = await ctx.http.request(delivery.target_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Lapin-Webhooks/1.0',
        'x-lapin-delivery': delivery.id,
        ...signatureHeaders(secret, delivery.body, timestamp),
      },
      body: delivery.body,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const redirect = response.status >= 300 && response.status < 400
      ? ` (redirects are not followed${response.headers.location ? `: ${response.headers.location.slice(0, 200)}` : ''})`
      : '';
    const excerpt = response.body.trim().slice(0, ERROR_EXCERPT);
    return { ok: false, status: response.status, error: `HTTP ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ''}` };
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
}

/**
 * Sends one delivery. Deliveries of one (endpoint, record) go in event order: this one
 * waits while an earlier one is pending, whatever retries that one needs. A failure is
 * recorded on the delivery and thrown, so the queue retries it with growing delays; the
 * last one marks it failed and lets the next delivery of the record go.
 */
export async function deliver(job: DeliveryJob, ctx: Context, run: PluginJobRun): Promise<void> {
  const [delivery] = await ctx.db.query<DeliveryRow>(
    `SELECT d.id::text AS id, d.endpoint_id, e.organisation_id, e.target_url, d.event_id::text AS event_id, d.model, d.record_id, d.body, d.status, d.round
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
    [job.delivery_id],
  );
  if (!delivery || delivery.round > job.round) return; // deleted, or replaced by a redelivery
  if (delivery.round < job.round) {
    // A redelivery queued inside its request's transaction: wait for the commit, not for ever.
    if (ctx.now().getTime() - job.queued_at < ROUND_WAIT_MS) run.defer();
    return;
  }
  if (delivery.status !== 'pending') return;
  const [earlier] = await ctx.db.query<{ wait_ms: number }>(
    `SELECT GREATEST(0, EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000)::int AS wait_ms FROM webhook_deliveries
      WHERE endpoint_id = $1 AND model = $2 AND record_id = $3 AND event_id < $4 AND status = 'pending'
      ORDER BY event_id LIMIT 1`,
    [delivery.endpoint_id, delivery.model, delivery.record_id, delivery.event_id],
  );
  if (earlier) run.defer(earlier.wait_ms > 0 ? Math.min(earlier.wait_ms, LEASE_MS) : undefined);

  const leased = await ctx.db.query(
    `UPDATE webhook_deliveries
        SET attempts = attempts + 1, last_attempt_at = now(), leased_until = now() + $3 * interval '1 millisecond', updated_at = now()
      WHERE id = $1 AND round = $2 AND status = 'pending' AND (leased_until IS NULL OR leased_until < now())
      RETURNING id`,
    [delivery.id, delivery.round, LEASE_MS],
  );
  if (!leased.length) run.defer(); // another job is sending it (a recovery queued it twice)

  const outcome = await send(ctx, delivery);
  if (outcome.ok) {
    await ctx.db.query(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $2, last_error = NULL,
              next_attempt_at = NULL, leased_until = NULL, updated_at = now()
        WHERE id = $1`,
      [delivery.id, outcome.status],
    );
    return;
  }
  const retryIn = run.nextRetryDelayMs;
  await ctx.db.query(
    `UPDATE webhook_deliveries SET last_status_code = $2, last_error = $3, leased_until = NULL, updated_at = now(),
            status = CASE WHEN $4::int IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = CASE WHEN $4::int IS NULL THEN NULL ELSE now() + $4::int * interval '1 millisecond' END
      WHERE id = $1`,
    [delivery.id, outcome.status, outcome.error, retryIn],
  );
  throw new Error(`Delivery ${delivery.id} to ${delivery.target_url}: ${outcome.error}`);
}

/** Queues again pending deliveries untouched for `staleAfterMs` (jobs lost with a process). */
export async function recoverDeliveries(ctx: Context, staleAfterMs: number): Promise<void> {
  const pending = await ctx.db.query<QueuedDelivery>(
    `SELECT id::text AS id, round, model FROM webhook_deliveries
      WHERE status = 'pending' AND updated_at < now() - $1 * interval '1 millisecond' ORDER BY webhook_deliveries.id LIMIT 1000`,
    [staleAfterMs],
  );
  for (const delivery of pending) await queueDelivery(ctx, delivery);
}
