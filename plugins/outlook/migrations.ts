import type { PluginMigration } from '../../platform/src/plugins/sdk';

export const migrations: PluginMigration[] = [
  {
    version: 1796697039906,
    description: 'Outlook connections of agents, sign-ins under way, events written and rdvs asked to sync',
    async up(m) {
      // One row per connected agent; the tokens are the agent's sealed secrets, never here.
      await m.query(`
        CREATE TABLE outlook_connections (
          agent_id uuid PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          status text NOT NULL CHECK (status IN ('connected', 'reconnect', 'disconnecting')),
          account_email text,
          account_name text,
          connected_at timestamptz NOT NULL,
          last_success_at timestamptz,
          last_error text,
          last_error_at timestamptz,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await m.isolateByTerritory('outlook_connections');

      // The OAuth state of a sign-in started by an agent: its hash, used once, until it expires.
      await m.query(`
        CREATE TABLE outlook_sign_ins (
          state_hash text PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          agent_id uuid NOT NULL,
          expires_at timestamptz NOT NULL
        )`);
      await m.isolateByTerritory('outlook_sign_ins');

      // One row per event an agent's calendar holds (or may hold) for an rdv. A null event id is a
      // create sent whose answer was not recorded: its transaction id finds it again.
      await m.query(`
        CREATE TABLE outlook_events (
          rdv_id uuid NOT NULL,
          agent_id uuid NOT NULL,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          transaction_id text NOT NULL,
          graph_event_id text,
          fingerprint text,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (rdv_id, agent_id)
        )`);
      await m.query(`CREATE INDEX outlook_events_agent ON outlook_events (agent_id)`);
      await m.isolateByTerritory('outlook_events');

      // One row per rdv asked to sync: `requested` grows with each change, `done` is what the last sync saw.
      await m.query(`
        CREATE TABLE outlook_rdv_syncs (
          rdv_id uuid PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          organisation_id uuid,
          requested integer NOT NULL DEFAULT 1,
          done integer NOT NULL DEFAULT 0,
          leased_until timestamptz,
          last_error text,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await m.query(`CREATE INDEX outlook_rdv_syncs_pending ON outlook_rdv_syncs (updated_at) WHERE done < requested`);
      await m.isolateByTerritory('outlook_rdv_syncs');
    },
  },
];
