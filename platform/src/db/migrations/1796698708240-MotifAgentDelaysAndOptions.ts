import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 (seed 004): a motif's booking delays may bind agents too (an organisation
 * admin may still force); a motif's options (« Liste d'options »), one of which each
 * booking picks, may change the duration; the rdv keeps the option chosen (its label
 * as it was, the motif's list may change later).
 */
export class MotifAgentDelaysAndOptions1796698708240 implements MigrationInterface {
  name = 'MotifAgentDelaysAndOptions1796698708240';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE motifs
      ADD COLUMN booking_delays_for_agents boolean NOT NULL DEFAULT false,
      ADD COLUMN options jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`ALTER TABLE rdvs ADD COLUMN motif_option jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rdvs DROP COLUMN motif_option`);
    await q.query(`ALTER TABLE motifs DROP COLUMN booking_delays_for_agents, DROP COLUMN options`);
  }
}
