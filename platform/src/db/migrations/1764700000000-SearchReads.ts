import { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TERRITORY_ONCE } from '../isolation';

/**
 * Cheaper reads for the slot search, measured on the bench's département
 * (`npm run bench -- creneaux`, territory-wide loading queries).
 *
 * - Row-level security: `current_territory_id()` in a policy is inlined and run
 *   for every row read (a setting read and a uuid cast each time); as a scalar
 *   subquery it runs once per statement, an InitPlan the planner also uses in
 *   index conditions.
 * - Busy time: a btree on (agent, start) carrying the end, the rdv and the
 *   territory answers the search from the index alone, where the GiST index
 *   needed a heap visit per row. The window's lower bound on starts_at holds
 *   because an rdv lasts at most 12 hours, now a constraint, not only an API rule.
 * - Buffered rdvs are looked up by motif and start: the same index, covering.
 */
export class SearchReads1764700000000 implements MigrationInterface {
  name = 'SearchReads1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await this.rewritePolicies(q, CURRENT_TERRITORY_ONCE);
    await q.query(`ALTER TABLE rdvs ADD CONSTRAINT rdvs_lasts_at_most_12_hours CHECK (ends_at <= starts_at + interval '12 hours')`);
    await q.query(`CREATE INDEX rdv_agents_busy_starts ON rdv_agents (agent_id, starts_at) INCLUDE (ends_at, rdv_id, territory_id) WHERE active`);
    await q.query(`DROP INDEX rdv_agents_busy_times`);
    await q.query(`DROP INDEX rdvs_motif_starts`);
    await q.query(`CREATE INDEX rdvs_motif_starts ON rdvs (motif_id, starts_at) INCLUDE (id, territory_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX rdvs_motif_starts`);
    await q.query(`CREATE INDEX rdvs_motif_starts ON rdvs (motif_id, starts_at)`);
    await q.query(`CREATE INDEX rdv_agents_busy_times ON rdv_agents USING gist (agent_id, starts_at, ends_at) WHERE active`);
    await q.query(`DROP INDEX rdv_agents_busy_starts`);
    await q.query(`ALTER TABLE rdvs DROP CONSTRAINT rdvs_lasts_at_most_12_hours`);
    await this.rewritePolicies(q, 'current_territory_id()');
  }

  /** Every table's territory_isolation policy, comparing its territory column with `territory`. */
  private async rewritePolicies(q: QueryRunner, territory: string): Promise<void> {
    const policies: { table: string; column: string }[] = await q.query(
      `SELECT tablename AS table, substring(qual FROM '^\\(([a-z_]+) =') AS column
         FROM pg_policies WHERE policyname = 'territory_isolation' AND schemaname = 'public'`,
    );
    for (const { table, column } of policies) {
      await q.query(`ALTER POLICY territory_isolation ON ${table} USING (${column} = ${territory}) WITH CHECK (${column} = ${territory})`);
    }
  }
}
