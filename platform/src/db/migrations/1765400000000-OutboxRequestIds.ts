import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request that recorded a domain event (its X-Request-Id), so the consumer jobs the
 * dispatcher queues for it log under the same id (platform/src/logging.ts). Null for
 * events recorded outside a request (jobs, scripts) and those recorded before.
 */
export class OutboxRequestIds1765400000000 implements MigrationInterface {
  name = 'OutboxRequestIds1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events ADD COLUMN request_id text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events DROP COLUMN request_id`);
  }
}
