/**
 * Agents choose which changes in their agenda they are emailed about, per kind
 * (rdvs, plages d'ouverture, absences), as RDV Service Public lets them: all,
 * only those made by others, only those made by others for today and tomorrow,
 * or none.
 */
import { DateTime } from 'luxon';
import { tx } from '../db/database';

export const NOTIFICATION_LEVELS = ['all', 'others', 'soon', 'none'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

export interface NotificationPreferences {
  rdv_notifications_level: NotificationLevel;
  plage_ouverture_notification_level: NotificationLevel;
  absence_notification_level: NotificationLevel;
}

export const PREFERENCE_COLUMNS = ['rdv_notifications_level', 'plage_ouverture_notification_level', 'absence_notification_level'] as const;

export async function loadPreferences(agentId: string): Promise<NotificationPreferences> {
  const [row] = await tx().query(`SELECT ${PREFERENCE_COLUMNS.join(', ')} FROM agents WHERE id = $1`, [agentId]);
  return row;
}

export interface AgendaChange {
  /** The agent whose agenda changed. */
  agentId: string;
  /** Who made the change; null when not an agent (the usager, the platform). */
  actorAgentId: string | null;
  /** Whether what changed happens within [from, to): the rdv, an occurrence of the plage or absence. */
  happensBetween(from: Date, to: Date): boolean;
  now: Date;
  timezone: string;
}

/** Whether an agent with this level is told about the change. */
export function agentWantsNotification(level: NotificationLevel, change: AgendaChange): boolean {
  if (level === 'none') return false;
  if (level === 'all') return true;
  if (change.actorAgentId === change.agentId) return false;
  if (level === 'others') return true;
  const today = DateTime.fromJSDate(change.now, { zone: change.timezone }).startOf('day');
  return change.happensBetween(today.toJSDate(), today.plus({ days: 2 }).toJSDate());
}
