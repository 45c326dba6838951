/**
 * Notifications bench: how many confirmation emails per minute go from the
 * outbox through the queue to a real SMTP server, and how long planning the
 * reminders of 10,000 rdvs takes. The queue is BullMQ when REDIS_URL is set,
 * else the in-process one; the database is PostgreSQL when DATABASE_URL is set.
 */
import crypto from 'node:crypto';
import IORedis from 'ioredis';
import { readConfig } from '../../platform/src/config';
import { EventPipeline } from '../../platform/src/events/pipeline';
import { createJobQueue } from '../../platform/src/jobs/create-queue';
import type { LogSink } from '../../platform/src/logging';
import { planReminders } from '../../platform/src/notifications/reminders';
import { bookingFixture, NOW } from '../integration/booking/helpers';
import { TestPlatform } from '../support/platform';
import { startSmtpServer } from '../support/smtp';
import type { BenchFigure, BenchSection } from './report';

export type { BenchFigure };

const EMAILS = 500;
const REMINDERS = 10_000;
const quiet: LogSink = () => undefined;

function queueSettings() {
  return {
    redisUrl: process.env.REDIS_URL || undefined,
    queuePrefix: `lapin-bench-${crypto.randomBytes(4).toString('hex')}`,
    jobs: { ...readConfig({}).jobs, pollMs: 20 },
  };
}

/** The bench's own queue keys (10,000 delayed reminders among them) leave Redis with it. */
async function dropQueueKeys(test: TestPlatform): Promise<void> {
  const { redisUrl, queuePrefix } = test.platform.config;
  if (!redisUrl) return;
  const redis = new IORedis(redisUrl);
  const keys = await redis.keys(`${queuePrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** Rdvs booked while no pipeline runs, then the clock starts when it does: the outbox is the backlog. */
async function emailsPerMinute(): Promise<BenchFigure> {
  const smtp = await startSmtpServer();
  const test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, ...queueSettings() } });
  try {
    const f = await bookingFixture(test);
    const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [f.mairie]);
    // One usager and one rdv per email, written as booking writes them: rdv, agent time, participation, outbox event.
    await test.sql(
      `WITH u AS (
         INSERT INTO users (territory_id, first_name, last_name, email, notify_by_sms)
         SELECT $1, 'Usager', 'N' || n, 'bench' || n || '@example.fr', false FROM generate_series(1, $2) AS n
         RETURNING id, last_name),
       r AS (
         INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, created_by, created_by_agent_id)
         SELECT $1, $3, $4, $5, $6::timestamptz + (substr(u.last_name, 2)::int * interval '20 minutes'),
                $6::timestamptz + (substr(u.last_name, 2)::int * interval '20 minutes') + interval '20 minutes', 'agent', $7
           FROM u
         RETURNING id, starts_at, ends_at),
       ra AS (
         INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active)
         SELECT $1, r.id, $7, r.starts_at, r.ends_at, true FROM r),
       p AS (
         INSERT INTO participations (territory_id, rdv_id, user_id, status, created_by, created_by_agent_id)
         SELECT $1, r.id, u.id, 'unknown', 'agent', $7
           FROM r JOIN u ON $6::timestamptz + (substr(u.last_name, 2)::int * interval '20 minutes') = r.starts_at)
       INSERT INTO outbox_events (territory_id, organisation_id, model, event, record_id, payload, actor_agent_id)
       SELECT $1, $3, 'rdv', 'created', r.id,
              jsonb_build_object('id', r.id, 'webhook_reason', 'rdv_created', 'notify', true,
                                 'actor', jsonb_build_object('type', 'agent', 'agent_id', $7::uuid)), $7
         FROM r`,
      [territoryId, EMAILS, f.mairie, f.cni, f.hotelDeVille, '2027-01-04T08:00:00Z', f.basicEtatCivil],
    );
    const queue = createJobQueue(test.platform.config, quiet);
    test.platform.queue = queue;
    const started = Date.now();
    const pipeline = await EventPipeline.start(test.platform, queue, { plugins: [], log: quiet });
    const addresses = (mail: { to: string[] }) => mail.to.some((address) => address.startsWith('bench'));
    while (smtp.received.filter(addresses).length < EMAILS) await new Promise((resolve) => setTimeout(resolve, 20));
    const elapsed = Date.now() - started;
    await pipeline.stop();
    await queue.close();
    return {
      name: `emails per minute, outbox → ${queue.kind} queue → SMTP server (${EMAILS} rdvs)`,
      value: Math.round((EMAILS / elapsed) * 60_000),
      unit: 'emails/min',
      target: { value: 1_000, better: 'higher' },
    };
  } finally {
    await dropQueueKeys(test);
    await test.stop();
    await smtp.close();
  }
}

/** The reminder sweep over 10,000 future rdvs of one territory: one delayed job each. */
async function reminderPlanning(): Promise<BenchFigure> {
  const test = await TestPlatform.start({ now: NOW, config: queueSettings() });
  try {
    const [{ id: territoryId }] = await test.sql(`SELECT id FROM territories LIMIT 1`);
    const [organisation] = await test.sql(`SELECT id FROM organisations WHERE territory_id = $1 LIMIT 1`, [territoryId]);
    const [motif] = await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 LIMIT 1`, [organisation.id]);
    await test.sql(
      `INSERT INTO rdvs (territory_id, organisation_id, motif_id, starts_at, ends_at, created_by, updated_at)
       SELECT $1, $2, $3, $4::timestamptz + n * interval '15 minutes', $4::timestamptz + n * interval '15 minutes' + interval '10 minutes', 'agent', $5
         FROM generate_series(1, $6) AS n`,
      [territoryId, organisation.id, motif.id, '2027-01-04T08:00:00Z', NOW, REMINDERS],
    );
    const queue = createJobQueue(test.platform.config, quiet);
    const started = Date.now();
    const planned = await planReminders(test.platform, queue);
    const elapsed = Date.now() - started;
    await queue.close();
    if (planned !== REMINDERS) throw new Error(`planned ${planned} reminders instead of ${REMINDERS}`);
    return {
      name: `planning the reminders of ${REMINDERS} rdvs (${queue.kind} queue)`,
      value: elapsed,
      unit: 'ms',
      target: { value: 10_000, better: 'lower' },
    };
  } finally {
    await dropQueueKeys(test);
    await test.stop();
  }
}

export const notificationsSection: BenchSection = {
  name: 'notifications',
  run: async () => [await emailsPerMinute(), await reminderPlanning()],
};
