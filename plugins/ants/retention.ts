import type { PluginRetention } from '../../platform/src/plugins/sdk';
import type { AntsConfig } from './config';
import { requestSync } from './sync';

/** Appointments of rdvs the run deletes: `cutoff` is the rdvs' (an appointment keeps its rdv's start). */
const DUE = `FROM ants_appointments WHERE starts_at < $1`;

/**
 * The pré-demande numbers declared go with their rdv. Past appointments need nothing at
 * ANTS (it keeps its history; the sync leaves them as declared), so the rows simply go; a
 * deleted rdv still to come is withdrawn by the sync on its `rdv.destroyed`, as before.
 */
export const appointmentRetention: PluginRetention<AntsConfig> = {
  kind: 'ants_appointments',
  period: 'rdvs',
  async count(ctx, cutoff) {
    const [{ count }] = await ctx.db.query<{ count: number }>(`SELECT count(*)::int AS count ${DUE}`, [cutoff]);
    return count;
  },
  async purge(ctx, cutoff, limit) {
    const deleted = await ctx.db.query(`DELETE FROM ants_appointments WHERE id IN (SELECT id ${DUE} ORDER BY id LIMIT $2) RETURNING id`, [cutoff, limit]);
    return deleted.length;
  },
  /**
   * An anonymised usager's numbers: those of past rdvs are forgotten now; those still to
   * come are withdrawn from ANTS by the sync (the fiche no longer has a number), which
   * deletes each row once ANTS confirmed — the number is needed until then.
   */
  async forgetUsager(ctx, userId) {
    await ctx.db.query(`DELETE FROM ants_appointments WHERE user_id = $1 AND starts_at <= $2`, [userId, ctx.now()]);
    const coming = await ctx.db.query<{ rdv_id: string; organisation_id: string }>(
      `SELECT DISTINCT a.rdv_id::text AS rdv_id, s.organisation_id::text AS organisation_id
         FROM ants_appointments a JOIN ants_rdv_syncs s ON s.rdv_id = a.rdv_id WHERE a.user_id = $1`,
      [userId],
    );
    for (const { rdv_id, organisation_id } of coming) await requestSync(ctx, [rdv_id], organisation_id);
  },
};
