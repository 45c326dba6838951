/**
 * « Votre export est prêt »: the agent who asked for an export is emailed once it is built
 * (the notifications consumer, from the export's outbox event, with a receipt as every
 * notification has). The email carries a link to « Vos exports », never the file.
 */
import { tx } from '../db/database';
import type { DomainEvent } from '../events/domain-event';
import { plainEmail } from '../notifications/code-emails';
import type { Outgoing } from '../notifications/delivery';
import { platformMail } from '../notifications/mail';
import { maskEmail } from '../notifications/receipts';
import type { Platform } from '../platform';

export const EXPORT_MODEL = 'export';

export function exportsPageUrl(platform: Platform): string {
  return `${platform.config.publicUrl}/admin/exports`;
}

export async function exportReadyOutgoing(platform: Platform, event: DomainEvent): Promise<Outgoing[]> {
  const payload = event.payload as { id: string; agent_id: string; kind: string; row_count: number; expires_at: string };
  const [agent] = await tx().query(`SELECT email FROM agents WHERE id = $1 AND deleted_at IS NULL`, [payload.agent_id]);
  if (!agent?.email) return [];
  const [place] = await tx().query(
    `SELECT coalesce(o.name, t.name) AS name FROM territories t LEFT JOIN organisations o ON o.id = $1 WHERE t.id = current_territory_id()`,
    [event.organisation_id]);
  const target = {
    dedupeKey: `event:${event.id}:email:export`,
    rdvId: null,
    event: 'export_ready',
    channel: 'email' as const,
    recipientType: 'agent' as const,
    recipientId: payload.agent_id,
    recipient: maskEmail(agent.email),
  };
  const what = payload.kind === 'rdvs' ? 'rendez-vous' : 'participations';
  const message = plainEmail(platform, agent.email, place?.name ?? 'Lapin', `Votre export est prêt : ${what} de ${place?.name ?? ''}`.trim(), [
    `L'export des ${what} que vous avez demandé est prêt (${payload.row_count} ligne(s)).`,
    'Retrouvez-le dans « Vos exports » : il y restera disponible 7 jours.',
  ], { label: 'Vos exports', url: exportsPageUrl(platform) });
  return [{ target, compose: async () => () => platformMail(platform).send(message) }];
}
