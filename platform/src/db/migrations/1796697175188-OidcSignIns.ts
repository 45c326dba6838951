import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: signing in through ProConnect (agents). A sign-in under way is kept by its
 * state (hashed) with its nonce until the provider sends the agent back, and used once;
 * a session opened through ProConnect keeps the id token (sealed) that ends the
 * provider's session at sign-out; a territory may require ProConnect of its agents.
 */
export class OidcSignIns1796697175188 implements MigrationInterface {
  name = 'OidcSignIns1796697175188';

  async up(q: QueryRunner): Promise<void> {
    // Looked up before anyone is known, like access_attempts: above row-level security.
    await q.query(`
      CREATE TABLE oidc_sign_ins (
        state_hash text PRIMARY KEY,
        provider text NOT NULL CHECK (provider IN ('proconnect', 'franceconnect')),
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE api_tokens ADD COLUMN proconnect_id_token text`);
    await q.query(`ALTER TABLE territories ADD COLUMN proconnect_required boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE territories DROP COLUMN proconnect_required`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN proconnect_id_token`);
    await q.query(`DROP TABLE oidc_sign_ins`);
  }
}
