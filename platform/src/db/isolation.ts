import { QueryRunner } from 'typeorm';

/**
 * The unprivileged role tenant transactions switch to (`SET LOCAL ROLE`). Row-level
 * security applies to it even when the connection's own user is a superuser.
 */
export const TENANT_ROLE = 'lapin_tenant';

/** Creates the tenant role and the function policies read the request's territory from. */
export async function prepareTenantIsolation(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
        CREATE ROLE ${TENANT_ROLE} NOLOGIN;
      END IF;
    END $$`);
  // The connecting user must be allowed to switch to the role.
  await queryRunner.query(`GRANT ${TENANT_ROLE} TO CURRENT_USER`);
  await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${TENANT_ROLE}`);
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
    `CREATE POLICY territory_isolation ON ${table}
       USING (${column} = ${CURRENT_TERRITORY_ONCE})
       WITH CHECK (${column} = ${CURRENT_TERRITORY_ONCE})`,
  );
  await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`);
  await queryRunner.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${TENANT_ROLE}`);
}

/**
 * Makes `table.column` point only at rows of its own territory: a composite foreign key
 * on (column, territory_id). Referential checks bypass row-level security, so a plain key
 * would accept the id of another territory's row. `target` needs `UNIQUE (id, territory_id)`.
 */
export async function referenceWithinTerritory(
  queryRunner: QueryRunner,
  table: string,
  column: string,
  target: string,
): Promise<void> {
  await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${column}_fkey`);
  await queryRunner.query(
    `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_territory_fkey
       FOREIGN KEY (${column}, territory_id) REFERENCES ${target} (id, territory_id) ON DELETE CASCADE`,
  );
}
