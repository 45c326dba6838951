import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A prescripteur who booked online for an usager is sent a confirmation: its receipt
 * names a prescripteur as recipient (no fiche of theirs exists, so no recipient id).
 */
export class PrescripteurReceipts1765300000000 implements MigrationInterface {
  name = 'PrescripteurReceipts1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification_receipts DROP CONSTRAINT notification_receipts_recipient_type_check`);
    await q.query(`ALTER TABLE notification_receipts ADD CONSTRAINT notification_receipts_recipient_type_check
      CHECK (recipient_type IN ('user', 'agent', 'prescripteur'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notification_receipts WHERE recipient_type = 'prescripteur'`);
    await q.query(`ALTER TABLE notification_receipts DROP CONSTRAINT notification_receipts_recipient_type_check`);
    await q.query(`ALTER TABLE notification_receipts ADD CONSTRAINT notification_receipts_recipient_type_check
      CHECK (recipient_type IN ('user', 'agent'))`);
  }
}
