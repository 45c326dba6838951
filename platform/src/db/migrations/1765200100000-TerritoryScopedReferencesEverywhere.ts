import { MigrationInterface, QueryRunner } from 'typeorm';
import { referenceWithinTerritory } from '../isolation';

/** Foreign keys between two tables that both hold a territory_id, the territory not among their columns. */
export const UNSCOPED_REFERENCES = `
  SELECT c.conrelid::regclass::text AS "table", c.confrelid::regclass::text AS target,
         a.attname AS "column", c.confdeltype AS action
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
   WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
     AND c.connamespace = 'public'::regnamespace
     AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.conrelid AND t.attname = 'territory_id' AND NOT t.attisdropped)
     AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.confrelid AND t.attname = 'territory_id' AND NOT t.attisdropped)
   ORDER BY 1, 3`;

/** pg_constraint.confdeltype, as the clause that keeps it on the composite key. */
const ON_DELETE: Record<string, (column: string) => string> = {
  a: () => 'NO ACTION',
  r: () => 'RESTRICT',
  c: () => 'CASCADE',
  n: (column) => `SET NULL (${column})`,
  d: (column) => `SET DEFAULT (${column})`,
};

/**
 * The remaining references between tenant tables (rdvs → organisation, motif, lieu and
 * author; rdv_agents → rdv and agent; participations → usager; profiles, receipts,
 * authors, webhooks) carry the territory, as the foundation's and the agenda's do:
 * referential checks run above row-level security, so a plain key accepted another
 * territory's id. Each keeps its ON DELETE action.
 */
export class TerritoryScopedReferencesEverywhere1765200100000 implements MigrationInterface {
  name = 'TerritoryScopedReferencesEverywhere1765200100000';

  async up(q: QueryRunner): Promise<void> {
    const references: { table: string; target: string; column: string; action: string }[] = await q.query(UNSCOPED_REFERENCES);
    for (const target of new Set(references.map((reference) => reference.target))) {
      await q.query(`
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '${target}_id_territory') THEN
            ALTER TABLE ${target} ADD CONSTRAINT ${target}_id_territory UNIQUE (id, territory_id);
          END IF;
        END $$`);
    }
    for (const { table, target, column, action } of references) {
      await referenceWithinTerritory(q, table, column, target, ON_DELETE[action](column));
    }
  }

  async down(): Promise<void> {
    throw new Error('TerritoryScopedReferencesEverywhere1765200100000 cannot be undone');
  }
}
