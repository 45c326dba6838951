import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an agent's credentials need beyond sign-in: when each session was last used
 * (an idle session is refused), single-use links to choose a new password (only
 * their hash stored, looked up before any territory is known, so not tenant-visible,
 * as api_tokens), and invitations an admin withdrew.
 */
export class AgentCredentials1764900000000 implements MigrationInterface {
  name = 'AgentCredentials1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`ALTER TABLE invitations ADD COLUMN revoked_at timestamptz NULL`);
    await q.query(`
      CREATE TABLE password_resets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX password_resets_agent ON password_resets (agent_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE password_resets`);
    await q.query(`ALTER TABLE invitations DROP COLUMN revoked_at`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN last_used_at`);
  }
}
