import { MigrationInterface, QueryRunner } from 'typeorm';
import { referenceWithinTerritory } from '../isolation';

/** [table, column, target]: the foundation's references to organisations and agents. */
const REFERENCES = [
  ['agent_roles', 'organisation_id', 'organisations'],
  ['agent_roles', 'agent_id', 'agents'],
  ['agent_services', 'agent_id', 'agents'],
  ['invitations', 'agent_id', 'agents'],
  ['motifs', 'organisation_id', 'organisations'],
  ['lieux', 'organisation_id', 'organisations'],
] as const;

/** A row can point only at an organisation or an agent of its own territory. */
export class TerritoryScopedReferences1764000050000 implements MigrationInterface {
  name = 'TerritoryScopedReferences1764000050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organisations ADD CONSTRAINT organisations_id_territory UNIQUE (id, territory_id)`);
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_id_territory UNIQUE (id, territory_id)`);
    for (const [table, column, target] of REFERENCES) await referenceWithinTerritory(q, table, column, target);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column, target] of REFERENCES) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_territory_fkey`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_fkey FOREIGN KEY (${column}) REFERENCES ${target} (id) ON DELETE CASCADE`);
    }
    await q.query(`ALTER TABLE agents DROP CONSTRAINT agents_id_territory`);
    await q.query(`ALTER TABLE organisations DROP CONSTRAINT organisations_id_territory`);
  }
}
