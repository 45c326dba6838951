import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The slot engine's busy-time index, in a shape row-level security lets it use.
 *
 * Under row-level security PostgreSQL evaluates the policy before any
 * condition whose operator is not leakproof, so `tstzrange(...) && window`
 * (range overlap is not leakproof) never became an index condition on
 * `rdv_agents_busy`: a search read every active rdv of its agents, history
 * included. Comparisons of timestamps are leakproof: a GiST index on the agent
 * and both ends (btree_gist) answers `agent_id = ANY(...) AND ends_at > start
 * AND starts_at < end` with exactly the rdvs of the window.
 */
export class RdvAgentsBusyTimes1764000460000 implements MigrationInterface {
  name = 'RdvAgentsBusyTimes1764000460000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS rdv_agents_busy`);
    await q.query(`CREATE INDEX rdv_agents_busy_times ON rdv_agents USING gist (agent_id, starts_at, ends_at) WHERE active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS rdv_agents_busy_times`);
    await q.query(`CREATE INDEX rdv_agents_busy ON rdv_agents USING gist (agent_id, tstzrange(starts_at, ends_at, '[)')) WHERE active`);
  }
}
