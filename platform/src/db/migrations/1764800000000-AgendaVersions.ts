import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * A version per organisation of its agenda as searches read it: its plages, the
 * absences of its agents, its closures, and what decides which plages count: the
 * lieux (deleted, closed to the public), who works there (agent_roles) and in
 * which services (agent_services). Triggers bump it in the writing transaction,
 * whatever writes (API, tenant files, purge job, SQL), so a process that kept an
 * organisation's agenda under version N knows, by reading the version, whether it
 * is still what PostgreSQL holds. Rdvs do not bump it: they change all day and
 * are read at every search.
 */
export class AgendaVersions1764800000000 implements MigrationInterface {
  name = 'AgendaVersions1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agenda_versions (
        organisation_id uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        version bigint NOT NULL DEFAULT 1
      )`);
    await isolateByTerritory(q, 'agenda_versions');
    // Nothing to bump for an organisation being deleted (its rows go with it, by cascade).
    await q.query(`
      CREATE FUNCTION bump_agenda_version(organisation uuid) RETURNS void LANGUAGE sql AS $$
        INSERT INTO agenda_versions (organisation_id, territory_id)
        SELECT o.id, o.territory_id FROM organisations o WHERE o.id = organisation
        ON CONFLICT (organisation_id) DO UPDATE SET version = agenda_versions.version + 1
      $$`);
    // Plages, closures, lieux and roles belong to one organisation: the old and the new one change.
    await q.query(`
      CREATE FUNCTION agenda_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM bump_agenda_version(OLD.organisation_id); END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.organisation_id <> OLD.organisation_id) THEN
          PERFORM bump_agenda_version(NEW.organisation_id);
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['plages_ouverture', 'closures', 'lieux', 'agent_roles']) {
      await q.query(`CREATE TRIGGER ${table}_agenda_version AFTER INSERT OR UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION agenda_row_changed()`);
    }
    // An agent's absences, and their services (whose plages a basic agent searches), count in every
    // organisation they work in.
    await q.query(`
      CREATE FUNCTION agent_agenda_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_agenda_version(r.organisation_id) FROM agent_roles r
          WHERE r.agent_id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.agent_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.agent_id END);
        RETURN NULL;
      END $$`);
    for (const table of ['absences', 'agent_services']) {
      await q.query(`CREATE TRIGGER ${table}_agenda_version AFTER INSERT OR UPDATE OR DELETE ON ${table}
                     FOR EACH ROW EXECUTE FUNCTION agent_agenda_changed()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['plages_ouverture', 'closures', 'lieux', 'agent_roles', 'absences', 'agent_services']) {
      await q.query(`DROP TRIGGER ${table}_agenda_version ON ${table}`);
    }
    await q.query(`DROP FUNCTION agent_agenda_changed()`);
    await q.query(`DROP FUNCTION agenda_row_changed()`);
    await q.query(`DROP FUNCTION bump_agenda_version(uuid)`);
    await q.query(`DROP TABLE agenda_versions`);
  }
}
