import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * Issue 20. Statistics group a period's rdvs by when they start or were created, per
 * organisation or per territory, and notifications by when they were sent: the indexes
 * that let them read the period only. Exports: the request (its filters, progress,
 * expiry) and the built .xlsx in chunks of bytea, so that the worker that builds it and
 * the API process that streams it back need not share a disk (see exports/store.ts).
 */
export class StatisticsAndExports1796696899229 implements MigrationInterface {
  name = 'StatisticsAndExports1796696899229';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX rdvs_organisation_created ON rdvs (organisation_id, created_at)`);
    await q.query(`CREATE INDEX rdvs_territory_starts ON rdvs (territory_id, starts_at)`);
    await q.query(`CREATE INDEX rdvs_territory_created ON rdvs (territory_id, created_at)`);
    await q.query(`CREATE INDEX notification_receipts_territory_created ON notification_receipts (territory_id, created_at)`);

    await q.query(`
      CREATE TABLE exports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NULL,
        agent_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('rdvs', 'participations')),
        filters jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('pending', 'running', 'ready', 'failed')),
        progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        row_count integer NULL,
        byte_size bigint NULL,
        error text NULL,
        created_at timestamptz NOT NULL,
        completed_at timestamptz NULL,
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (organisation_id, territory_id) REFERENCES organisations (id, territory_id) ON DELETE CASCADE,
        FOREIGN KEY (agent_id, territory_id) REFERENCES agents (id, territory_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX exports_agent ON exports (agent_id, created_at)`);
    await q.query(`CREATE INDEX exports_expiry ON exports (expires_at)`);
    await isolateByTerritory(q, 'exports');
    await q.query(`
      CREATE TABLE export_chunks (
        export_id uuid NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (export_id, seq)
      )`);
    await isolateByTerritory(q, 'export_chunks');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE export_chunks`);
    await q.query(`DROP TABLE exports`);
    await q.query(`DROP INDEX notification_receipts_territory_created`);
    await q.query(`DROP INDEX rdvs_territory_created`);
    await q.query(`DROP INDEX rdvs_territory_starts`);
    await q.query(`DROP INDEX rdvs_organisation_created`);
  }
}
