import { currentTerritoryId, tx } from '../db/database';
import { consoleLog } from '../logging';
import type { Platform } from '../platform';
import { createPluginContext, readPluginSettings } from '../plugins/host';
import { installedPlugins } from '../plugins/registry';
import type { PluginContext, PluginDefinition } from '../plugins/sdk';

/** A plugin's context in the current tenant transaction (its `ctx.db` joins it), whether or not it is on here. */
export async function pluginContextHere(platform: Platform, plugin: PluginDefinition<any>): Promise<PluginContext<any>> {
  const settings = await readPluginSettings(platform, plugin, null);
  return createPluginContext(platform, plugin, { territoryId: currentTerritoryId(), organisationId: null, settings }, consoleLog);
}

/** Takes the recipient out of receipts (the result, channel and time stay for statistics). */
export async function anonymiseReceipts(where: string, parameters: unknown[], at: Date): Promise<void> {
  await tx().query(
    `UPDATE notification_receipts SET recipient = 'anonymisé', recipient_id = NULL, provider_message_id = NULL, anonymised_at = $${parameters.length + 1}
      WHERE ${where}`,
    [...parameters, at],
  );
}

/**
 * Erases, in the current transaction, the copies of an usager's data the platform keeps
 * beside the fiche: the receipts of what was sent to them, the payloads of events, sent
 * or still to send (the usager's own events keep their id and organisations, which is what
 * a partner needs to delete its copy; rdv events lose the usager's name), and what plugins'
 * tables hold (`forgetUsager`: the webhooks' delivery bodies).
 */
export async function scrubUsagerCopies(platform: Platform, userId: string, at: Date): Promise<void> {
  await anonymiseReceipts(`recipient_type = 'user' AND recipient_id = $1`, [userId], at);
  await tx().query(
    `UPDATE outbox_events SET payload = jsonb_strip_nulls(jsonb_build_object(
                                         'id', record_id, 'organisation_ids', payload->'organisation_ids', 'webhook_reason', payload->'webhook_reason'))
      WHERE model = 'user' AND record_id = $1`,
    [userId],
  );
  await tx().query(
    `UPDATE outbox_events
        SET payload = jsonb_set(payload, '{participations}', (
              SELECT coalesce(jsonb_agg(CASE WHEN item->>'user_id' = $1 THEN item || '{"first_name": "Usager", "last_name": "anonymisé"}'::jsonb ELSE item END
                                        ORDER BY position), '[]'::jsonb)
                FROM jsonb_array_elements(payload->'participations') WITH ORDINALITY AS element(item, position)))
      WHERE model = 'rdv' AND jsonb_typeof(payload->'participations') = 'array'
        AND payload->'user_ids' @> jsonb_build_array($1::text)`,
    [userId],
  );
  for (const plugin of installedPlugins(platform)) {
    for (const retention of plugin.retention ?? []) {
      if (retention.forgetUsager) await retention.forgetUsager(await pluginContextHere(platform, plugin), userId);
    }
  }
}

/** Has plugins forget, in the current transaction, what they keep about an agent being removed (`forgetAgent`: an Outlook connection). */
export async function forgetAgentCopies(platform: Platform, agentId: string): Promise<void> {
  for (const plugin of installedPlugins(platform)) {
    for (const retention of plugin.retention ?? []) {
      if (retention.forgetAgent) await retention.forgetAgent(await pluginContextHere(platform, plugin), agentId);
    }
  }
}
