import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: usagers signing in through FranceConnect. An account is found by
 * FranceConnect's `sub`, else by its email; one FranceConnect opened has no password.
 * The identity FranceConnect certifies (first name, birth name, birth date) is kept on
 * the account and on the fiches its bookings create, then no longer changed by hand.
 * A session opened through FranceConnect keeps its id token (sealed) for FranceConnect's logout.
 */
export class FranceConnect1796697964101 implements MigrationInterface {
  name = 'FranceConnect1796697964101';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usager_accounts
      ALTER COLUMN password_hash DROP NOT NULL,
      ADD COLUMN franceconnect_sub text,
      ADD COLUMN birth_name text,
      ADD COLUMN birth_date date,
      ADD COLUMN franceconnect_identity_at timestamptz`);
    await q.query(`CREATE UNIQUE INDEX usager_accounts_franceconnect_sub ON usager_accounts (franceconnect_sub)`);
    await q.query(`ALTER TABLE usager_sessions ADD COLUMN franceconnect_id_token text`);
    await q.query(`ALTER TABLE users ADD COLUMN franceconnect_identity_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN franceconnect_identity_at`);
    await q.query(`ALTER TABLE usager_sessions DROP COLUMN franceconnect_id_token`);
    await q.query(`DROP INDEX usager_accounts_franceconnect_sub`);
    await q.query(`DELETE FROM usager_accounts WHERE password_hash IS NULL`);
    await q.query(`ALTER TABLE usager_accounts DROP COLUMN franceconnect_sub, DROP COLUMN birth_name, DROP COLUMN birth_date,
      DROP COLUMN franceconnect_identity_at, ALTER COLUMN password_hash SET NOT NULL`);
  }
}
