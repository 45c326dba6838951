import { MigrationInterface, QueryRunner } from 'typeorm';
import { referenceWithinTerritory } from '../isolation';

/**
 * An export's chunks point at an export of their own territory (a composite key, as every
 * reference between tenant tables does: referential checks bypass row-level security).
 */
export class ExportChunksWithinTerritory1796703698499 implements MigrationInterface {
  name = 'ExportChunksWithinTerritory1796703698499';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE exports ADD CONSTRAINT exports_id_territory UNIQUE (id, territory_id)`);
    await referenceWithinTerritory(q, 'export_chunks', 'export_id', 'exports');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_chunks DROP CONSTRAINT export_chunks_export_id_territory_fkey`);
    await q.query(`ALTER TABLE export_chunks ADD CONSTRAINT export_chunks_export_id_fkey FOREIGN KEY (export_id) REFERENCES exports (id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE exports DROP CONSTRAINT exports_id_territory`);
  }
}
