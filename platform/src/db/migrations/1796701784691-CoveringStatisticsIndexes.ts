import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20, a territory's year of statistics: the (territory, starts_at / created_at) indexes
 * of rdvs and notification receipts become covering ones, carrying the columns the figures
 * group by, so that a period is counted from the index alone (index-only scans) rather than
 * by visiting each row in the table. They replace the plain ones of the same keys
 * (StatisticsAndExports), which the retention's reads by start used as well.
 */
export class CoveringStatisticsIndexes1796701784691 implements MigrationInterface {
  name = 'CoveringStatisticsIndexes1796701784691';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX rdvs_territory_starts_covering ON rdvs (territory_id, starts_at) INCLUDE (status, created_at, id)`);
    await q.query(`DROP INDEX rdvs_territory_starts`);
    await q.query(`CREATE INDEX rdvs_territory_created_covering ON rdvs (territory_id, created_at) INCLUDE (status, created_by, motif_id, created_by_agent_id)`);
    await q.query(`DROP INDEX rdvs_territory_created`);
    // Receipts of an rdv only: the statistics count no other.
    await q.query(`
      CREATE INDEX notification_receipts_territory_created_covering ON notification_receipts (territory_id, created_at)
        INCLUDE (event, channel, status) WHERE rdv_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification_receipts_territory_created_covering`);
    await q.query(`CREATE INDEX rdvs_territory_created ON rdvs (territory_id, created_at)`);
    await q.query(`DROP INDEX rdvs_territory_created_covering`);
    await q.query(`CREATE INDEX rdvs_territory_starts ON rdvs (territory_id, starts_at)`);
    await q.query(`DROP INDEX rdvs_territory_starts_covering`);
  }
}
