import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13's hardening. An agent's optional second factor (auth/totp.ts): the TOTP
 * secret sealed with the instance's secret box (the one awaiting its first code apart),
 * the last time step accepted (a code is not accepted twice) and the hashes of the
 * recovery codes not used yet. And the proofs of work public booking accepted
 * (booking/challenges.ts), each accepted once, kept until its challenge expires.
 */
export class SecondFactors1765600000000 implements MigrationInterface {
  name = 'SecondFactors1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents
      ADD COLUMN totp_secret text,
      ADD COLUMN totp_pending_secret text,
      ADD COLUMN totp_enabled_at timestamptz,
      ADD COLUMN totp_last_step bigint,
      ADD COLUMN totp_recovery_hashes text[] NOT NULL DEFAULT '{}'`);
    // Looked up before any territory is known, like access_attempts: above row-level security.
    await q.query(`
      CREATE TABLE spent_challenges (
        key text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE spent_challenges`);
    await q.query(`ALTER TABLE agents DROP COLUMN totp_secret, DROP COLUMN totp_pending_secret, DROP COLUMN totp_enabled_at,
      DROP COLUMN totp_last_step, DROP COLUMN totp_recovery_hashes`);
  }
}
