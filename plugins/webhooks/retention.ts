import type { PluginRetention } from '../../platform/src/plugins/sdk';
import type { WebhooksConfig } from './config';

/** Deliveries settled (delivered or given up) before the cutoff: their bodies hold the records sent. */
const DUE = `FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1`;

/**
 * The delivery log keeps the instance's short life of events (RETENTION_EVENT_DAYS), then
 * forgets the bodies with their rows. An usager anonymised before then leaves no trace in
 * the bodies kept: their own deliveries keep their id and organisations, rdvs lose their name.
 */
export const deliveryRetention: PluginRetention<WebhooksConfig> = {
  kind: 'webhook_deliveries',
  async count(ctx, cutoff) {
    const [{ count }] = await ctx.db.query<{ count: number }>(`SELECT count(*)::int AS count ${DUE}`, [cutoff]);
    return count;
  },
  async purge(ctx, cutoff, limit) {
    const deleted = await ctx.db.query(`DELETE FROM webhook_deliveries WHERE id IN (SELECT id ${DUE} ORDER BY id LIMIT $2) RETURNING id`, [cutoff, limit]);
    return deleted.length;
  },
  async forgetUsager(ctx, userId) {
    await ctx.db.query(
      `UPDATE webhook_deliveries
          SET body = jsonb_set(body::jsonb, '{data}', jsonb_strip_nulls(jsonb_build_object('id', record_id, 'organisation_ids', body::jsonb->'data'->'organisation_ids')))::text
        WHERE model = 'user' AND record_id = $1`,
      [userId],
    );
    await ctx.db.query(
      `UPDATE webhook_deliveries
          SET body = jsonb_set(body::jsonb, '{data,participations}', (
                SELECT coalesce(jsonb_agg(CASE WHEN item->>'user_id' = $1 THEN item || '{"first_name": "Usager", "last_name": "anonymisé"}'::jsonb ELSE item END
                                          ORDER BY position), '[]'::jsonb)
                  FROM jsonb_array_elements(body::jsonb->'data'->'participations') WITH ORDINALITY AS element(item, position)))::text
        WHERE model = 'rdv' AND body::jsonb->'data'->'user_ids' @> jsonb_build_array($1::text)
          AND jsonb_typeof(body::jsonb->'data'->'participations') = 'array'`,
      [userId],
    );
  },
};
