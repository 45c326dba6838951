import { MigrationInterface, QueryRunner } from 'typeorm';

/** The network an online booking came from, for its quotas (booking/holds.ts); null from a private or loopback address. */
export class HoldNetworks1765200200000 implements MigrationInterface {
  name = 'HoldNetworks1765200200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdv_holds ADD COLUMN client_network text`);
    await q.query(`CREATE INDEX rdv_holds_network ON rdv_holds (client_network, created_at) WHERE client_network IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdv_holds DROP COLUMN client_network`);
  }
}
