import type { PluginMigration } from '../../platform/src/plugins/sdk';

export const migrations: PluginMigration[] = [
  {
    version: 1765100000000,
    description: 'Appointments declared to ANTS, and the rdvs asked to sync',
    async up(m) {
      // One row per appointment ANTS holds from us: what to withdraw it with, and the link it was given.
      await m.query(`
        CREATE TABLE ants_appointments (
          id bigserial PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          rdv_id uuid NOT NULL,
          user_id uuid NOT NULL,
          application_id text NOT NULL,
          meeting_point_id text NOT NULL,
          meeting_point text NOT NULL,
          appointment_date text NOT NULL,
          starts_at timestamptz NOT NULL,
          management_url text NOT NULL,
          declared_at timestamptz NOT NULL DEFAULT now()
        )`);
      await m.query(`CREATE INDEX ants_appointments_rdv ON ants_appointments (rdv_id)`);
      await m.query(`CREATE INDEX ants_appointments_user ON ants_appointments (user_id, starts_at)`);
      await m.isolateByTerritory('ants_appointments');

      // One row per rdv asked to sync (rdvs are not referenced: a deleted one still has appointments to withdraw).
      await m.query(`
        CREATE TABLE ants_rdv_syncs (
          rdv_id uuid PRIMARY KEY,
          territory_id uuid NOT NULL REFERENCES territories(id) ON DELETE CASCADE,
          organisation_id uuid NOT NULL,
          generation integer NOT NULL DEFAULT 1,
          status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
          attempts integer NOT NULL DEFAULT 0,
          leased_until timestamptz,
          last_error text,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await m.query(`CREATE INDEX ants_rdv_syncs_pending ON ants_rdv_syncs (updated_at) WHERE status = 'pending'`);
      await m.isolateByTerritory('ants_rdv_syncs');
    },
  },
];
