import type { PluginMigration } from '../../platform/src/plugins/sdk';

export const migrations: PluginMigration[] = [
  {
    version: 1764600100000,
    description: 'Webhook endpoints and the log of their deliveries',
    async up(m) {
      await m.query(`
        CREATE TABLE webhook_endpoints (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
          target_url text NOT NULL,
          subscriptions text[] NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await m.query(`CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id)`);
      await m.isolateByTerritory('webhook_endpoints');

      // One row per (endpoint, event). A redelivery starts a new round of attempts.
      await m.query(`
        CREATE TABLE webhook_deliveries (
          id bigserial PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
          event_id bigint NOT NULL,
          model text NOT NULL,
          event text NOT NULL,
          record_id text NOT NULL,
          body text NOT NULL,
          status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
          round integer NOT NULL DEFAULT 1,
          attempts integer NOT NULL DEFAULT 0,
          leased_until timestamptz,
          last_status_code integer,
          last_error text,
          last_attempt_at timestamptz,
          next_attempt_at timestamptz,
          delivered_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          UNIQUE (endpoint_id, event_id)
        )`);
      await m.query(`CREATE INDEX webhook_deliveries_record ON webhook_deliveries (endpoint_id, model, record_id, event_id) WHERE status = 'pending'`);
      await m.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC)`);
      await m.isolateByTerritory('webhook_deliveries');
    },
  },
  {
    version: 1765450000000,
    description: 'Test events in the delivery log: a delivery that comes from no event of the outbox',
    async up(m) {
      await m.query(`ALTER TABLE webhook_deliveries ALTER COLUMN event_id DROP NOT NULL`);
    },
  },
];
