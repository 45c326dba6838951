import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * Notification receipts (one per message an rdv event sends, or decides not to
 * send) and the agents' notification preferences. A receipt's `dedupe_key`
 * (source event, channel, recipient) is unique: the same event delivered twice
 * finds its receipt and sends nothing more.
 */
export class Notifications1764000700000 implements MigrationInterface {
  name = 'Notifications1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_receipts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        dedupe_key text NOT NULL,
        rdv_id uuid REFERENCES rdvs(id) ON DELETE CASCADE,
        event text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'sms')),
        recipient_type text NOT NULL CHECK (recipient_type IN ('user', 'agent')),
        recipient_id uuid,
        recipient text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
        reason text,
        attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        provider_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (territory_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX notification_receipts_rdv ON notification_receipts (rdv_id, created_at)`);
    await isolateByTerritory(q, 'notification_receipts');

    const level = (column: string, fallback: string) =>
      `ADD COLUMN ${column} text NOT NULL DEFAULT '${fallback}' CHECK (${column} IN ('all', 'others', 'soon', 'none'))`;
    await q.query(`ALTER TABLE agents
      ${level('rdv_notifications_level', 'others')},
      ${level('plage_ouverture_notification_level', 'all')},
      ${level('absence_notification_level', 'all')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notification_receipts`);
    await q.query(`ALTER TABLE agents DROP COLUMN rdv_notifications_level,
      DROP COLUMN plage_ouverture_notification_level, DROP COLUMN absence_notification_level`);
  }
}
