import type { PluginRetention } from '../../platform/src/plugins/sdk';
import type { WebhooksConfig } from './config';

/** Deliveries settled (delivered or given up) before the cutoff: their bodies hold the records sent. */
const DUE = `FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1`;

/** The delivery log keeps the instance's short life of events (RETENTION_EVENT_DAYS), then forgets the bodies with their rows. */
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
};
