import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21: a lieu used once (« ponctuel ») has its day: its plages give créneaux on
 * that day only, and once the day is over it leaves agents' lists and the portal.
 */
export class SingleUseLieux1796698246148 implements MigrationInterface {
  name = 'SingleUseLieux1796698246148';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lieux ADD COLUMN single_use_day date`);
    // Lieux already « ponctuel » had no day: they keep their plages' days until one is given.
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lieux DROP COLUMN single_use_day`);
  }
}
