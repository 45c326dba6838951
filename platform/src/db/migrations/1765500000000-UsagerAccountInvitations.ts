import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * An agent invites the usager of a fiche to open their account on the public portal:
 * a single-use link (its token hashed) sent to the fiche's email, for that fiche.
 * The organisation is the one the email came from; the link's page names it.
 */
export class UsagerAccountInvitations1765500000000 implements MigrationInterface {
  name = 'UsagerAccountInvitations1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usager_account_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        user_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        email text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        invited_by_agent_id uuid NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL,
        FOREIGN KEY (user_id, territory_id) REFERENCES users (id, territory_id) ON DELETE CASCADE,
        FOREIGN KEY (organisation_id, territory_id) REFERENCES organisations (id, territory_id) ON DELETE CASCADE,
        FOREIGN KEY (invited_by_agent_id, territory_id) REFERENCES agents (id, territory_id) ON DELETE SET NULL (invited_by_agent_id)
      )`);
    await q.query(`CREATE INDEX usager_account_invitations_user ON usager_account_invitations (user_id)`);
    await isolateByTerritory(q, 'usager_account_invitations');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usager_account_invitations`);
  }
}
