/**
 * What notifications read about an rdv when they send, in the territory's
 * transaction: the rdv as it is now (a retry or a reminder tells what is true
 * when it runs), its motif, lieu, organisation, agents and usagers with their
 * contact details and choices. A few queries, whatever the number of usagers.
 */
import { currentTerritoryId, tx } from '../db/database';
import { serviceName } from '../services/catalogue';
import type { PrescripteurIdentity } from '../booking/rdv.entity';
import type { NotificationLevel } from './preferences';
import type { RdvNotificationFacts } from './merge-fields';

export interface SnapshotUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone_number: string | null;
  notify_by_email: boolean;
  notify_by_sms: boolean;
}

export interface SnapshotAgent {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  rdv_notifications_level: NotificationLevel;
}

export interface RdvSnapshot {
  id: string;
  territory_id: string;
  organisation_id: string;
  motif_id: string;
  status: string;
  starts_at: Date;
  ends_at: Date;
  sequence: number;
  collectif: boolean;
  name: string | null;
  timezone: string;
  motif: { name: string; instruction_for_rdv: string | null; location_type: string; service_id: string };
  /** The motif's option chosen at booking (its label and duration then). */
  motif_option: { label: string; duration_in_min: number | null } | null;
  lieu: { name: string; address: string } | null;
  organisation: { name: string; phone_number: string | null; email: string | null };
  agents: SnapshotAgent[];
  /** `prescripteur`: who booked it for the usager online, as they gave themselves. */
  participations: Array<{ id: string; user_id: string; status: string; user: SnapshotUser; prescripteur: PrescripteurIdentity | null }>;
}

/** The rdv now, or null when it no longer exists. */
export async function loadRdvSnapshot(rdvId: string): Promise<RdvSnapshot | null> {
  const [row] = await tx().query(
    `SELECT r.id, r.territory_id, r.organisation_id, r.motif_id, r.motif_option, r.status, r.starts_at, r.ends_at, r.sequence, r.collectif, r.name,
            t.timezone,
            json_build_object('name', m.name, 'instruction_for_rdv', m.instruction_for_rdv,
                              'location_type', m.location_type, 'service_id', m.service_id) AS motif,
            CASE WHEN l.id IS NULL THEN NULL ELSE json_build_object('name', l.name, 'address', l.address) END AS lieu,
            json_build_object('name', o.name, 'phone_number', o.phone_number, 'email', o.email) AS organisation
       FROM rdvs r
       JOIN territories t ON t.id = r.territory_id
       JOIN motifs m ON m.id = r.motif_id
       JOIN organisations o ON o.id = r.organisation_id
       LEFT JOIN lieux l ON l.id = r.lieu_id
      WHERE r.id = $1 AND r.territory_id = $2`,
    [rdvId, currentTerritoryId()],
  );
  if (!row) return null;
  const agents: SnapshotAgent[] = await tx().query(
    `SELECT a.id, a.first_name, a.last_name, a.email, a.rdv_notifications_level
       FROM rdv_agents ra JOIN agents a ON a.id = ra.agent_id
      WHERE ra.rdv_id = $1 AND a.deleted_at IS NULL
      ORDER BY a.last_name NULLS LAST, a.first_name NULLS LAST, a.id`,
    [rdvId],
  );
  const participations = await tx().query(
    `SELECT p.id, p.user_id, p.status, p.prescripteur,
            json_build_object('id', u.id, 'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email,
                              'phone_number', u.phone_number, 'notify_by_email', u.notify_by_email,
                              'notify_by_sms', u.notify_by_sms) AS user
       FROM participations p JOIN users u ON u.id = p.user_id
      WHERE p.rdv_id = $1 AND u.deleted_at IS NULL
      ORDER BY p.created_at, p.id`,
    [rdvId],
  );
  return { ...row, starts_at: new Date(row.starts_at), ends_at: new Date(row.ends_at), agents, participations };
}

export function agentName(agent: Pick<SnapshotAgent, 'first_name' | 'last_name'>): string {
  return [agent.first_name, agent.last_name].filter(Boolean).join(' ');
}

/** The merge fields' facts for one usager of the rdv. */
export function factsFor(
  snapshot: RdvSnapshot,
  usager: Pick<SnapshotUser, 'first_name' | 'last_name'>,
  manageUrl: string,
  previousStartsAt: Date | null,
): RdvNotificationFacts {
  return {
    timezone: snapshot.timezone,
    rdv: {
      startsAt: snapshot.starts_at,
      durationInMin: Math.round((snapshot.ends_at.getTime() - snapshot.starts_at.getTime()) / 60_000),
      previousStartsAt,
      manageUrl,
    },
    usager: { firstName: usager.first_name, lastName: usager.last_name },
    motif: { name: snapshot.motif.name, instructionForRdv: snapshot.motif.instruction_for_rdv },
    motifOption: snapshot.motif_option?.label ?? null,
    lieu: snapshot.lieu,
    agentNames: snapshot.agents.map(agentName).filter(Boolean),
    service: { name: serviceName(snapshot.motif.service_id) },
    organisation: { name: snapshot.organisation.name, phone: snapshot.organisation.phone_number, email: snapshot.organisation.email },
  };
}
