import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * Rdvs and the agents' time they take. `rdv_agents` repeats the rdv's interval per
 * agent (kept in sync by a trigger) so PostgreSQL itself refuses two overlapping
 * active rdvs for one agent, whatever the concurrency and the number of API
 * processes. Only an agent's explicit overbooking (`force`) is exempt.
 */
export class Rdvs1764000100000 implements MigrationInterface {
  name = 'Rdvs1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rdvs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        motif_id uuid NOT NULL REFERENCES motifs(id),
        lieu_id uuid REFERENCES lieux(id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'seen', 'noshow', 'excused', 'revoked')),
        collectif boolean NOT NULL DEFAULT false,
        name text,
        max_participants_count integer CHECK (max_participants_count IS NULL OR max_participants_count > 0),
        context text,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        created_by text NOT NULL CHECK (created_by IN ('agent', 'user', 'prescripteur')),
        created_by_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        cancelled_at timestamptz,
        sequence integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX rdvs_organisation_starts ON rdvs (organisation_id, starts_at)`);
    await q.query(`CREATE INDEX rdvs_motif_starts ON rdvs (motif_id, starts_at)`);
    await isolateByTerritory(q, 'rdvs');

    await q.query(`
      CREATE TABLE rdv_agents (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        rdv_id uuid NOT NULL REFERENCES rdvs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        active boolean NOT NULL,
        overbooked boolean NOT NULL DEFAULT false,
        PRIMARY KEY (rdv_id, agent_id),
        CONSTRAINT rdv_agents_no_double_booking EXCLUDE USING gist (
          agent_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (active AND NOT overbooked)
      )`);
    // The slot engine reads every agent's busy time of a window through this index.
    await q.query(`CREATE INDEX rdv_agents_busy ON rdv_agents USING gist (agent_id, tstzrange(starts_at, ends_at, '[)')) WHERE active`);
    await isolateByTerritory(q, 'rdv_agents');

    await q.query(`
      CREATE FUNCTION sync_rdv_agents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE rdv_agents
           SET starts_at = NEW.starts_at,
               ends_at = NEW.ends_at,
               active = NEW.status IN ('unknown', 'seen', 'noshow')
         WHERE rdv_id = NEW.id;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER rdvs_sync_agents AFTER UPDATE OF starts_at, ends_at, status ON rdvs
      FOR EACH ROW EXECUTE FUNCTION sync_rdv_agents()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rdv_agents`);
    await q.query(`DROP TABLE IF EXISTS rdvs`);
    await q.query(`DROP FUNCTION IF EXISTS sync_rdv_agents()`);
  }
}
