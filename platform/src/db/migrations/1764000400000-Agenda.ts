import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * The agenda: plages d'ouverture, absences, exceptional closures and reference weeks.
 *
 * Definitions are stored as the API spells them (dates and wall times in the
 * territory's zone, an RRULE); `last_day` is derived on write (the last local
 * day any occurrence covers) so that loading a window and the yearly purge
 * select rows by date range without expanding anything.
 */
export class Agenda1764000400000 implements MigrationInterface {
  name = 'Agenda1764000400000';

  async up(q: QueryRunner): Promise<void> {
    const wallTime = (column: string) => `${column} text NOT NULL CHECK (${column} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')`;

    // Motifs an admin opens to the Secrétariat may go in its agents' plages (RDV Service Public's rule).
    await q.query(`ALTER TABLE motifs ADD COLUMN for_secretariat boolean NOT NULL DEFAULT false`);

    await q.query(`
      CREATE TABLE plages_ouverture (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        lieu_id uuid NOT NULL REFERENCES lieux(id) ON DELETE CASCADE,
        motif_ids uuid[] NOT NULL CHECK (cardinality(motif_ids) > 0),
        title text,
        first_day date NOT NULL,
        ${wallTime('start_time')},
        ${wallTime('end_time')},
        recurrence text,
        until date,
        exdates date[] NOT NULL DEFAULT '{}',
        last_day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (last_day >= first_day)
      )`);
    // Search: an organisation's plages alive in a window; overlap warnings: an agent's.
    await q.query(`CREATE INDEX plages_ouverture_organisation ON plages_ouverture (organisation_id, last_day)`);
    await q.query(`CREATE INDEX plages_ouverture_agent ON plages_ouverture (agent_id, last_day)`);
    await q.query(`CREATE INDEX plages_ouverture_last_day ON plages_ouverture (last_day)`);
    await q.query(`CREATE INDEX plages_ouverture_motifs ON plages_ouverture USING gin (motif_ids)`);
    await isolateByTerritory(q, 'plages_ouverture');

    // An absence is the agent's, in every organisation they work for.
    await q.query(`
      CREATE TABLE absences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        title text,
        first_day date NOT NULL,
        end_day date,
        ${wallTime('start_time')},
        ${wallTime('end_time')},
        recurrence text,
        until date,
        exdates date[] NOT NULL DEFAULT '{}',
        last_day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_day IS NULL OR end_day >= first_day),
        CHECK (last_day >= first_day)
      )`);
    await q.query(`CREATE INDEX absences_agent ON absences (agent_id, last_day)`);
    await isolateByTerritory(q, 'absences');

    // Whole local days on which an organisation, or one of its lieux, gives no créneaux.
    await q.query(`
      CREATE TABLE closures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        lieu_id uuid REFERENCES lieux(id) ON DELETE CASCADE,
        first_day date NOT NULL,
        end_day date NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_day >= first_day)
      )`);
    await q.query(`CREATE INDEX closures_organisation ON closures (organisation_id, end_day)`);
    await isolateByTerritory(q, 'closures');

    await q.query(`
      CREATE TABLE reference_weeks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        name text NOT NULL,
        ranges jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reference_weeks_organisation ON reference_weeks (organisation_id)`);
    await isolateByTerritory(q, 'reference_weeks');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['reference_weeks', 'closures', 'absences', 'plages_ouverture']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`ALTER TABLE motifs DROP COLUMN IF EXISTS for_secretariat`);
  }
}
