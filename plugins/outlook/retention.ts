import type { PluginContext, PluginRetention } from '../../platform/src/plugins/sdk';
import type { OutlookConfig } from './config';
import { queueDisconnect } from './sync';

type Context = PluginContext<OutlookConfig>;

/**
 * Events the sync can no longer take out of a calendar (their agent's connection revoked or
 * gone), whose rdv is deleted or starts before the rdvs' cutoff, with no sync of it pending.
 * A connected agent's events of deleted rdvs go with that sync, which deletes them from the
 * calendar first; a disconnecting agent's with the disconnection.
 */
async function dueEvents(ctx: Context, cutoff: Date): Promise<{ rdv_id: string; agent_id: string }[]> {
  const unreachable = await ctx.db.query<{ rdv_id: string; agent_id: string }>(
    `SELECT e.rdv_id::text AS rdv_id, e.agent_id::text AS agent_id FROM outlook_events e
      WHERE NOT EXISTS (SELECT 1 FROM outlook_connections c WHERE c.agent_id = e.agent_id AND c.status <> 'reconnect')
        AND NOT EXISTS (SELECT 1 FROM outlook_rdv_syncs s WHERE s.rdv_id = e.rdv_id AND s.done < s.requested)
      ORDER BY 1, 2`,
  );
  const due = [];
  for (const row of unreachable) {
    const rdv = await ctx.core.rdv(row.rdv_id);
    if (!rdv || Date.parse(rdv.starts_at) < cutoff.getTime()) due.push(row);
  }
  return due;
}

export const eventRetention: PluginRetention<OutlookConfig> = {
  kind: 'outlook_events',
  period: 'rdvs',
  async count(ctx, cutoff) {
    return (await dueEvents(ctx, cutoff)).length;
  },
  async purge(ctx, cutoff, limit) {
    const batch = (await dueEvents(ctx, cutoff)).slice(0, limit);
    const deleted = await ctx.db.query(
      `DELETE FROM outlook_events WHERE (rdv_id, agent_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[])) RETURNING rdv_id`,
      [batch.map((row) => row.rdv_id), batch.map((row) => row.agent_id)],
    );
    return deleted.length;
  },
  /**
   * A removed agent's connection is disconnected as « Déconnecter » does (the events written
   * deleted from the calendar, then the tokens and the row); the Microsoft account's
   * identity and any sign-in under way go at once.
   */
  async forgetAgent(ctx, agentId) {
    await ctx.db.query(`DELETE FROM outlook_sign_ins WHERE agent_id = $1`, [agentId]);
    const [connection] = await ctx.db.query(
      `UPDATE outlook_connections SET status = 'disconnecting', account_email = NULL, account_name = NULL, last_error = NULL, last_error_at = NULL, updated_at = now()
        WHERE agent_id = $1 RETURNING agent_id`,
      [agentId],
    );
    if (connection) await queueDisconnect(ctx, agentId);
  },
};
