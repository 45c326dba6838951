import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/** What consumers have done with each event, what failed, and the secrets plugins keep. */
export class EventPipeline1764600000000 implements MigrationInterface {
  name = 'EventPipeline1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // A consumer handles a record's events in outbox order: it looks for earlier ones by record.
    await q.query(`CREATE INDEX outbox_events_record ON outbox_events (territory_id, model, record_id, id)`);

    // One row per (event, consumer), written when the event is dispatched: `pending` until the
    // consumer succeeds (`done`) or gives up (`failed`). A job for a settled row does nothing.
    await q.query(`
      CREATE TABLE consumer_receipts (
        event_id bigint NOT NULL REFERENCES outbox_events(id) ON DELETE CASCADE,
        consumer text NOT NULL,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz,
        PRIMARY KEY (event_id, consumer)
      )`);
    await q.query(`CREATE INDEX consumer_receipts_pending ON consumer_receipts (updated_at) WHERE status = 'pending'`);
    await isolateByTerritory(q, 'consumer_receipts');

    // Every failed attempt of a consumer or plugin job, for admins.
    await q.query(`
      CREATE TABLE job_failures (
        id bigserial PRIMARY KEY,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        consumer text NOT NULL,
        job text NOT NULL,
        event_id bigint,
        attempt integer NOT NULL,
        final boolean NOT NULL,
        error text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX job_failures_consumer ON job_failures (territory_id, consumer, id DESC)`);
    await isolateByTerritory(q, 'job_failures');

    // AES-256-GCM sealed values; the key never reaches the database.
    await q.query(`
      CREATE TABLE plugin_secrets (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        plugin text NOT NULL,
        name text NOT NULL,
        sealed text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (territory_id, plugin, name)
      )`);
    await isolateByTerritory(q, 'plugin_secrets');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['plugin_secrets', 'job_failures', 'consumer_receipts']) await q.query(`DROP TABLE IF EXISTS ${table}`);
    await q.query(`DROP INDEX IF EXISTS outbox_events_record`);
  }
}
