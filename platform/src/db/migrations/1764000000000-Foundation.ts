import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory, prepareTenantIsolation } from '../isolation';

/** Territories, organisations, agents and their access, motifs, lieux, configuration, outbox. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await prepareTenantIsolation(q);

    await q.query(`
      CREATE TABLE platform_admins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX platform_admins_email ON platform_admins (lower(email))`);

    await q.query(`
      CREATE TABLE territories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        timezone text NOT NULL DEFAULT 'Europe/Paris',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await isolateByTerritory(q, 'territories', 'id');

    await q.query(`
      CREATE TABLE organisations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        phone_number text,
        email text,
        website text,
        opening_hours text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX organisations_territory ON organisations (territory_id)`);
    await isolateByTerritory(q, 'organisations');

    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        email text,
        first_name text,
        last_name text,
        password_hash text,
        territorial_admin boolean NOT NULL DEFAULT false,
        calendar_uid text NOT NULL UNIQUE,
        last_seen_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emails are unique platform-wide: signing in names one agent.
    await q.query(`CREATE UNIQUE INDEX agents_email ON agents (lower(email)) WHERE email IS NOT NULL AND deleted_at IS NULL`);
    await q.query(`CREATE INDEX agents_territory ON agents (territory_id)`);
    await isolateByTerritory(q, 'agents');

    await q.query(`
      CREATE TABLE agent_roles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        access_level text NOT NULL CHECK (access_level IN ('basic', 'admin', 'intervenant')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (agent_id, organisation_id)
      )`);
    await q.query(`CREATE INDEX agent_roles_organisation ON agent_roles (organisation_id)`);
    await isolateByTerritory(q, 'agent_roles');

    await q.query(`
      CREATE TABLE agent_services (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        service_slug text NOT NULL,
        PRIMARY KEY (agent_id, service_slug)
      )`);
    await isolateByTerritory(q, 'agent_services');

    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        invited_by_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await isolateByTerritory(q, 'invitations');

    // Looked up before any territory is known: not tenant-visible at all.
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        agent_id uuid REFERENCES agents(id) ON DELETE CASCADE,
        platform_admin_id uuid REFERENCES platform_admins(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((agent_id IS NULL) <> (platform_admin_id IS NULL))
      )`);

    await q.query(`
      CREATE TABLE motifs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        service_id text NOT NULL,
        name text NOT NULL,
        default_duration_in_min integer NOT NULL,
        location_type text NOT NULL,
        bookable_by text NOT NULL DEFAULT 'agents',
        min_public_booking_delay integer NOT NULL DEFAULT 1800,
        max_public_booking_delay integer NOT NULL DEFAULT 7776000,
        collectif boolean NOT NULL DEFAULT false,
        color text NOT NULL DEFAULT '#1565c0',
        restriction_for_rdv text,
        instruction_for_rdv text,
        rdvs_editable_by_user boolean NOT NULL DEFAULT false,
        rdvs_cancellable_by_user boolean NOT NULL DEFAULT true,
        user_cancellation_deadline_in_hours integer NOT NULL DEFAULT 4,
        slot_step_in_min integer,
        buffer_after_in_min integer NOT NULL DEFAULT 0,
        category text,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX motifs_organisation ON motifs (organisation_id)`);
    await isolateByTerritory(q, 'motifs');

    await q.query(`
      CREATE TABLE lieux (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        name text NOT NULL,
        address text NOT NULL,
        phone_number text,
        availability text NOT NULL DEFAULT 'enabled',
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX lieux_organisation ON lieux (organisation_id)`);
    await isolateByTerritory(q, 'lieux');

    await q.query(`
      CREATE TABLE territory_configs (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        key text NOT NULL,
        version integer NOT NULL,
        document jsonb NOT NULL,
        author_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (territory_id, key, version)
      )`);
    await isolateByTerritory(q, 'territory_configs');

    // The outbox: domain events written in the same transaction as the change.
    await q.query(`
      CREATE TABLE outbox_events (
        id bigserial PRIMARY KEY,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        organisation_id uuid,
        model text NOT NULL,
        event text NOT NULL,
        record_id text NOT NULL,
        payload jsonb NOT NULL,
        actor_agent_id uuid,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE dispatched_at IS NULL`);
    await isolateByTerritory(q, 'outbox_events');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'outbox_events', 'territory_configs', 'lieux', 'motifs', 'api_tokens', 'invitations',
      'agent_services', 'agent_roles', 'agents', 'organisations', 'territories', 'platform_admins',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
