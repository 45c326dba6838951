import { MigrationInterface, QueryRunner } from 'typeorm';
import { forceIsolation, prepareTenantIsolation, TENANT_ROLE } from '../isolation';

/**
 * The running platform acts as the system role, which owns nothing; the territory
 * policy names the tenant role alone; every isolated table forces row-level security
 * on its owner too. Databases created before kept the owner above the policies.
 */
export class ForcedRowLevelSecurity1765200000000 implements MigrationInterface {
  name = 'ForcedRowLevelSecurity1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await prepareTenantIsolation(q);
    const tables: { name: string }[] = await q.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY c.relname`);
    for (const { name } of tables) {
      await q.query(`ALTER POLICY territory_isolation ON ${name} TO ${TENANT_ROLE}`);
      await forceIsolation(q, name);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const tables: { name: string }[] = await q.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity`);
    for (const { name } of tables) {
      await q.query(`DROP POLICY IF EXISTS system_access ON ${name}`);
      await q.query(`ALTER POLICY territory_isolation ON ${name} TO PUBLIC`);
      await q.query(`ALTER TABLE ${name} NO FORCE ROW LEVEL SECURITY`);
    }
  }
}
