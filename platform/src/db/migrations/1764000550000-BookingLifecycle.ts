import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/**
 * The rdv lifecycle around the Rdvs tables: participations, holds for online
 * bookings awaiting their email confirmation, self-service links, idempotency
 * keys, attempt counters and the usagers' password accounts.
 *
 * A hold is an rdv in the `pending` status: it takes the agent's time in
 * rdv_agents like any active rdv, so the exclusion constraint arbitrates between
 * an unconfirmed booking and every other one. Its `rdv_holds` row keeps what the
 * confirmation needs; an expired hold is deleted, which frees the time.
 */
export class BookingLifecycle1764000550000 implements MigrationInterface {
  name = 'BookingLifecycle1764000550000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdvs DROP CONSTRAINT rdvs_status_check`);
    await q.query(`ALTER TABLE rdvs ADD CONSTRAINT rdvs_status_check
      CHECK (status IN ('pending', 'unknown', 'seen', 'noshow', 'excused', 'revoked'))`);
    // Salle d'attente: when the usager was marked as arrived.
    await q.query(`ALTER TABLE rdvs ADD COLUMN arrived_at timestamptz`);
    await q.query(`
      CREATE OR REPLACE FUNCTION sync_rdv_agents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE rdv_agents
           SET starts_at = NEW.starts_at,
               ends_at = NEW.ends_at,
               active = NEW.status IN ('pending', 'unknown', 'seen', 'noshow')
         WHERE rdv_id = NEW.id;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE INDEX rdvs_pending ON rdvs (id) WHERE status = 'pending'`);
    // References to rdvs stay within their territory (referential checks bypass row-level security).
    await q.query(`ALTER TABLE rdvs ADD CONSTRAINT rdvs_id_territory UNIQUE (id, territory_id)`);

    await q.query(`
      CREATE TABLE participations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        rdv_id uuid NOT NULL,
        -- A plain key: merging usagers moves user_id alone (usagers/merge.ts); users are read under row-level security.
        user_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'seen', 'noshow', 'excused', 'revoked')),
        created_by text NOT NULL CHECK (created_by IN ('agent', 'user', 'prescripteur')),
        created_by_agent_id uuid,
        prescripteur jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (rdv_id, user_id),
        UNIQUE (id, territory_id),
        FOREIGN KEY (rdv_id, territory_id) REFERENCES rdvs (id, territory_id) ON DELETE CASCADE,
        FOREIGN KEY (created_by_agent_id, territory_id) REFERENCES agents (id, territory_id) ON DELETE SET NULL (created_by_agent_id)
      )`);
    await q.query(`CREATE INDEX participations_user ON participations (user_id)`);
    await isolateByTerritory(q, 'participations');

    // An online booking waiting for its confirmation code: a pending rdv, or a seat in a collectif session.
    // It outlives its expiry (without the rdv) for a day, so that a late code is told it expired.
    await q.query(`
      CREATE TABLE rdv_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        rdv_id uuid,
        seat boolean NOT NULL,
        booked_by text NOT NULL CHECK (booked_by IN ('user', 'prescripteur')),
        user_data jsonb,
        prescripteur jsonb,
        confirmation_email text NOT NULL,
        code_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        confirmed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (rdv_id, territory_id) REFERENCES rdvs (id, territory_id) ON DELETE SET NULL (rdv_id)
      )`);
    await q.query(`CREATE INDEX rdv_holds_rdv ON rdv_holds (rdv_id)`);
    await q.query(`CREATE INDEX rdv_holds_unconfirmed ON rdv_holds (expires_at) WHERE confirmed_at IS NULL`);
    await isolateByTerritory(q, 'rdv_holds');

    // Self-service links sent to an usager: only the token's hash is kept; it lives until shortly after the rdv.
    await q.query(`
      CREATE TABLE rdv_links (
        token_hash text PRIMARY KEY,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        participation_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (participation_id, territory_id) REFERENCES participations (id, territory_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX rdv_links_participation ON rdv_links (participation_id)`);
    await isolateByTerritory(q, 'rdv_links');

    // A form submitted twice answers the first submission's result (Idempotency-Key), for 24 hours.
    await q.query(`
      CREATE TABLE idempotency_keys (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer,
        response jsonb,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (territory_id, scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);
    await isolateByTerritory(q, 'idempotency_keys');

    // Failed guesses (letters of a last name, confirmation codes) per secret, shared by every API process.
    // Keys are hashes; read and written above row-level security only.
    await q.query(`
      CREATE TABLE access_attempts (
        key text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL
      )`);

    // Password accounts of usagers. Opened from one territory's booking page (its notifications
    // send the code); the email is unique platform-wide and finds the usager's fiches everywhere.
    await q.query(`
      CREATE TABLE usager_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        email text NOT NULL,
        password_hash text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        phone_number text,
        verification_code_hash text,
        verification_expires_at timestamptz,
        verified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX usager_accounts_email ON usager_accounts (lower(email))`);
    await isolateByTerritory(q, 'usager_accounts');

    // Looked up before any territory is known, like api_tokens: not tenant-visible.
    await q.query(`
      CREATE TABLE usager_sessions (
        token_hash text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES usager_accounts(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['usager_sessions', 'usager_accounts', 'access_attempts', 'idempotency_keys', 'rdv_links', 'rdv_holds', 'participations']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DELETE FROM rdvs WHERE status = 'pending'`);
    await q.query(`DROP INDEX IF EXISTS rdvs_pending`);
    await q.query(`ALTER TABLE rdvs DROP CONSTRAINT rdvs_id_territory`);
    await q.query(`ALTER TABLE rdvs DROP COLUMN arrived_at`);
    await q.query(`ALTER TABLE rdvs DROP CONSTRAINT rdvs_status_check`);
    await q.query(`ALTER TABLE rdvs ADD CONSTRAINT rdvs_status_check
      CHECK (status IN ('unknown', 'seen', 'noshow', 'excused', 'revoked'))`);
    await q.query(`
      CREATE OR REPLACE FUNCTION sync_rdv_agents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE rdv_agents
           SET starts_at = NEW.starts_at,
               ends_at = NEW.ends_at,
               active = NEW.status IN ('unknown', 'seen', 'noshow')
         WHERE rdv_id = NEW.id;
        RETURN NEW;
      END $$`);
  }
}
