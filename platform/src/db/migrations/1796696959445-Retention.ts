import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RGPD retention (retention/): when an inactive agent was told their account will be
 * removed (removal waits for the notice's 30 days), and when a notification receipt
 * lost its recipient (the daily job anonymises receipts once, then leaves them).
 */
export class Retention1796696959445 implements MigrationInterface {
  name = 'Retention1796696959445';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN retention_warned_at timestamptz`);
    await q.query(`ALTER TABLE notification_receipts ADD COLUMN anonymised_at timestamptz`);
    // The daily job's questions: receipts not yet anonymised by age, record versions by age
    // (rdvs by start: rdvs_territory_starts, from the statistics' migration).
    await q.query(`CREATE INDEX notification_receipts_to_anonymise ON notification_receipts (created_at) WHERE anonymised_at IS NULL`);
    await q.query(`CREATE INDEX record_versions_created ON record_versions (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS record_versions_created`);
    await q.query(`DROP INDEX IF EXISTS notification_receipts_to_anonymise`);
    await q.query(`ALTER TABLE notification_receipts DROP COLUMN anonymised_at`);
    await q.query(`ALTER TABLE agents DROP COLUMN retention_warned_at`);
  }
}
