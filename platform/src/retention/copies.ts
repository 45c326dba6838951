import { tx } from '../db/database';

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
 * beside the fiche: the receipts of what was sent to them, and the payloads of events,
 * sent or still to send (the usager's own events keep their id and organisations, which
 * is what a partner needs to delete its copy; rdv events lose the usager's name).
 */
export async function scrubUsagerCopies(userId: string, at: Date): Promise<void> {
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
}
