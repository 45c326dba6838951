import { QueryRunner } from 'typeorm';

/**
 * The unprivileged role tenant transactions switch to (`SET LOCAL ROLE`). Row-level
 * security applies to it even when the connection's own user is a superuser.
 */
export const TENANT_ROLE = 'lapin_tenant';

/**
 * The role every connection of the running platform acts as once migrations are done:
 * it reads and writes every territory's rows (sign-in lookups, platform administration,
 * dispatchers) but owns nothing, so it can neither change the schema nor turn row-level
 * security off. Only migrations act as the connecting user, who owns the tables.
 */
export const SYSTEM_ROLE = 'lapin_system';

/** Creates `role` unless it exists; two databases of one cluster may migrate at once (roles are cluster-wide). */
async function createRole(queryRunner: QueryRunner, role: string): Promise<void> {
  await queryRunner.query(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${role} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  // The connecting user must be allowed to switch to the role.
  await queryRunner.query(`GRANT ${role} TO CURRENT_USER`);
  await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
}

/**
 * Creates the tenant and system roles and the function policies read the request's
 * territory from. The system role may read and write every table, present and future
 * (default privileges of the user running migrations), and no more.
 */
export async function prepareTenantIsolation(queryRunner: QueryRunner): Promise<void> {
  await createRole(queryRunner, TENANT_ROLE);
  await createRole(queryRunner, SYSTEM_ROLE);
  await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${SYSTEM_ROLE}`);
  await queryRunner.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${SYSTEM_ROLE}`);
  await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${SYSTEM_ROLE}`);
  await queryRunner.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${SYSTEM_ROLE}`);
  await queryRunner.query(`
    CREATE OR REPLACE FUNCTION current_territory_id() RETURNS uuid
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.territory_id', true), '')::uuid $$`);
}

/**
 * The request's territory as policies read it: a scalar subquery, so PostgreSQL
 * evaluates it once per statement (and can use it in index conditions) rather
 * than once per row read.
 */
export const CURRENT_TERRITORY_ONCE = '(SELECT current_territory_id())';

/**
 * Puts a table under row-level security: the tenant role sees and writes only the
 * rows of the transaction's territory. A forgotten WHERE then returns nothing.
 */
export async function isolateByTerritory(
  queryRunner: QueryRunner,
  table: string,
  column = 'territory_id',
): Promise<void> {
  await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await queryRunner.query(
    `CREATE POLICY territory_isolation ON ${table} TO ${TENANT_ROLE}
       USING (${column} = ${CURRENT_TERRITORY_ONCE})
       WITH CHECK (${column} = ${CURRENT_TERRITORY_ONCE})`,
  );
  await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`);
  await queryRunner.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${TENANT_ROLE}`);
  await forceIsolation(queryRunner, table);
}

/**
 * Row-level security binds the table's owner too (FORCE): a non-superuser owner sees
 * no row at all. The system role alone sees every territory. A migration that must
 * change rows runs `SET LOCAL ROLE lapin_system` first.
 */
export async function forceIsolation(queryRunner: QueryRunner, table: string): Promise<void> {
  await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await queryRunner.query(`DROP POLICY IF EXISTS system_access ON ${table}`);
  await queryRunner.query(`CREATE POLICY system_access ON ${table} TO ${SYSTEM_ROLE} USING (true) WITH CHECK (true)`);
}

/**
 * Makes `table.column` point only at rows of its own territory: a composite foreign key
 * on (column, territory_id). Referential checks bypass row-level security, so a plain key
 * would accept the id of another territory's row. `target` needs `UNIQUE (id, territory_id)`.
 * `onDelete` keeps the key's former action (`SET NULL (column)` for a nullable author).
 */
export async function referenceWithinTerritory(
  queryRunner: QueryRunner,
  table: string,
  column: string,
  target: string,
  onDelete = 'CASCADE',
): Promise<void> {
  await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${column}_fkey`);
  await queryRunner.query(
    `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_territory_fkey
       FOREIGN KEY (${column}, territory_id) REFERENCES ${target} (id, territory_id) ON DELETE ${onDelete}`,
  );
}
