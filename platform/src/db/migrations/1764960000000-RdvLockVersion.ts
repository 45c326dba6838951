import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An rdv's version, raised by each change recorded in its history (booking/rdvs.ts
 * recordRdvChange): an agent's edit names the version it started from, and a
 * change made by someone else meanwhile refuses it instead of being overwritten.
 */
export class RdvLockVersion1764960000000 implements MigrationInterface {
  name = 'RdvLockVersion1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdvs ADD COLUMN lock_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdvs DROP COLUMN lock_version`);
  }
}
