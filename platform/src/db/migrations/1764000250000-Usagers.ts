import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../isolation';

/** Usagers and their organisations, record histories, and the trigram index that finds usagers by name, email or phone. */
export class Usagers1764000250000 implements MigrationInterface {
  name = 'Usagers1764000250000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        first_name text NOT NULL,
        last_name text NOT NULL,
        birth_name text,
        email text,
        phone_number text,
        birth_date date,
        address text,
        notify_by_email boolean NOT NULL DEFAULT true,
        notify_by_sms boolean NOT NULL DEFAULT true,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        -- Names, email and phone digits, lower case and without accents, kept by the code (usagers/search.ts):
        -- unaccent() is not immutable, so it cannot feed an index, and PGlite does not load it by default.
        search_text text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        anonymised_at timestamptz
      )`);
    await q.query(`CREATE INDEX users_territory ON users (territory_id)`);
    await q.query(`CREATE INDEX users_search ON users USING gin (search_text gin_trgm_ops)`);
    await isolateByTerritory(q, 'users');

    // The organisations an usager's fiche belongs to.
    await q.query(`
      CREATE TABLE user_profiles (
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, organisation_id)
      )`);
    await q.query(`CREATE INDEX user_profiles_organisation ON user_profiles (organisation_id, user_id)`);
    await isolateByTerritory(q, 'user_profiles');

    await q.query(`
      CREATE TABLE record_versions (
        id bigserial PRIMARY KEY,
        territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
        model text NOT NULL,
        record_id uuid NOT NULL,
        event text NOT NULL,
        changes jsonb NOT NULL,
        author_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX record_versions_record ON record_versions (model, record_id, id)`);
    await isolateByTerritory(q, 'record_versions');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['record_versions', 'user_profiles', 'users']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
