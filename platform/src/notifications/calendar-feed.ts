/**
 * An agent's personal webcal feed (GET /calendrier/{calendar_uid}.ics): their
 * rdvs with the motif, the address and a link, and nothing about the usagers
 * (calendar apps sync to phones and third-party clouds). The UID of each event
 * is the one the rdv's emails carry, so a calendar fed both ways keeps one event.
 */
import ical, { ICalEventStatus } from 'ical-generator';
import { tx } from '../db/database';
import type { Platform } from '../platform';
import { rdvCalendarUid } from './ical';
import { platformHost } from './mail';

/** Calendar apps ask every few hours: recent history and the coming year are what they show. */
const PAST_DAYS = 90;
const FUTURE_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

const MODALITY: Record<string, string> = { phone: 'Par téléphone', visio: 'En visio', home: 'À domicile' };

interface FeedRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  sequence: number;
  status: string;
  collectif: boolean;
  name: string | null;
  motif_name: string;
  location_type: string;
  lieu_name: string | null;
  lieu_address: string | null;
  organisation_name: string;
}

/** The agent a feed address names (calendar_uid is unique across territories), or null. */
export async function feedOwner(platform: Platform, calendarUid: string): Promise<{ id: string; territoryId: string; name: string } | null> {
  const [agent] = await platform.db.system(() =>
    tx().query(
      `SELECT id, territory_id, trim(concat_ws(' ', first_name, last_name)) AS name
         FROM agents WHERE calendar_uid = $1 AND deleted_at IS NULL`,
      [calendarUid],
    ),
  );
  return agent ? { id: agent.id, territoryId: agent.territory_id, name: agent.name } : null;
}

/** Rdv detail page in the admin UI. */
export function rdvAdminUrl(platform: Platform, rdvId: string): string {
  return `${platform.config.publicUrl}/admin/rdvs/${rdvId}`;
}

export async function agentCalendarFeed(platform: Platform, agent: { id: string; territoryId: string; name: string }): Promise<string> {
  const now = platform.clock.now();
  const rows: FeedRow[] = await platform.db.tenant(agent.territoryId, () =>
    tx().query(
      `SELECT r.id, r.starts_at, r.ends_at, r.sequence, r.status, r.collectif, r.name,
              m.name AS motif_name, m.location_type, l.name AS lieu_name, l.address AS lieu_address, o.name AS organisation_name
         FROM rdv_agents ra
         JOIN rdvs r ON r.id = ra.rdv_id
         JOIN motifs m ON m.id = r.motif_id
         JOIN organisations o ON o.id = r.organisation_id
         LEFT JOIN lieux l ON l.id = r.lieu_id
        WHERE ra.agent_id = $1 AND ra.active AND r.starts_at >= $2 AND r.starts_at < $3
        ORDER BY r.starts_at`,
      [agent.id, new Date(now.getTime() - PAST_DAYS * DAY_MS), new Date(now.getTime() + FUTURE_DAYS * DAY_MS)],
    ),
  );
  const host = platformHost(platform);
  const calendar = ical({ name: `RDV – ${agent.name || 'agenda'}`, prodId: { company: 'lapin', product: 'agenda', language: 'FR' }, ttl: 3600 });
  for (const row of rows) {
    const url = rdvAdminUrl(platform, row.id);
    calendar.createEvent({
      id: rdvCalendarUid(row.id, host),
      sequence: row.sequence,
      stamp: now,
      start: new Date(row.starts_at),
      end: new Date(row.ends_at),
      summary: row.collectif && row.name ? `${row.motif_name} – ${row.name}` : row.motif_name,
      location: row.lieu_address ? `${row.lieu_name}, ${row.lieu_address}` : (MODALITY[row.location_type] ?? null),
      description: `${row.organisation_name}\nDétails : ${url}`,
      url,
      status: ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}
