import { MigrationInterface, QueryRunner } from 'typeorm';
import { referenceWithinTerritory } from '../isolation';

/** [table, column, target]: the agenda's references to organisations, agents and lieux. */
const REFERENCES = [
  ['plages_ouverture', 'organisation_id', 'organisations'],
  ['plages_ouverture', 'agent_id', 'agents'],
  ['plages_ouverture', 'lieu_id', 'lieux'],
  ['absences', 'agent_id', 'agents'],
  ['closures', 'organisation_id', 'organisations'],
  ['closures', 'lieu_id', 'lieux'],
  ['reference_weeks', 'organisation_id', 'organisations'],
] as const;

/**
 * An agenda row can point only at an organisation, agent or lieu of its own
 * territory: referential checks run above row-level security, so the keys
 * carry the territory.
 */
export class AgendaTerritoryReferences1764000450000 implements MigrationInterface {
  name = 'AgendaTerritoryReferences1764000450000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lieux ADD CONSTRAINT lieux_id_territory UNIQUE (id, territory_id)`);
    for (const [table, column, target] of REFERENCES) await referenceWithinTerritory(q, table, column, target);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column, target] of REFERENCES) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_territory_fkey`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_fkey FOREIGN KEY (${column}) REFERENCES ${target} (id) ON DELETE CASCADE`);
    }
    await q.query(`ALTER TABLE lieux DROP CONSTRAINT lieux_id_territory`);
  }
}
