/**
 * Rdvs as records: loading them with their agents and participations, writing
 * the time they take in the agents' agendas, answering them, and recording each
 * change in their history and the outbox. The booking paths (agents, online,
 * self-service) are built on these.
 */
import { In } from 'typeorm';
import { isoInZone } from '../agenda/iso';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import type { EffectiveForm } from '../forms/effective-form';
import { changedFields, recordVersion } from '../history/record-versions';
import { ACTIVE_STATUSES, Participation, PENDING, Rdv, RdvAgent, RdvStatus } from './rdv.entity';
import { ActorType, isCancelled, RdvReason, usagerIsTold } from './status-rules';

export interface RdvRecord {
  rdv: Rdv;
  /** Sorted. */
  agentIds: string[];
  /** With the usager's name, oldest first. */
  participations: (Participation & { first_name: string; last_name: string })[];
}

/** Who made a change: an agent, the usager (online, self-service), a prescripteur, or the platform itself. */
export interface Acting {
  type: ActorType;
  agentId: string | null;
  userId?: string | null;
}

const SQLSTATE_EXCLUSION_VIOLATION = '23P01';

function isExclusionViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: string } }).driverError?.code === SQLSTATE_EXCLUSION_VIOLATION;
}

/** The refusal when PostgreSQL finds the time taken (the rdv_agents_no_double_booking constraint). */
export function slotTaken(path = 'starts_at'): AppError {
  return AppError.conflict('This time is no longer free in the agent\'s agenda: another rdv took it', [{ path, message: 'is taken by another rdv' }]);
}

/** Runs a write that may take an agent's time; the exclusion constraint's refusal becomes a 409. */
export async function takingTime<T>(write: () => Promise<T>, path = 'starts_at'): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isExclusionViolation(error)) throw slotTaken(path);
    throw error;
  }
}

export async function loadRdvRecords(ids: string[], options: { lock?: boolean } = {}): Promise<RdvRecord[]> {
  if (ids.length === 0) return [];
  const rdvs = await tx().find(Rdv, { where: { id: In(ids) }, ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  const agents: { rdv_id: string; agent_id: string }[] = await tx().query(
    `SELECT rdv_id, agent_id FROM rdv_agents WHERE rdv_id = ANY($1::uuid[]) ORDER BY agent_id`, [ids]);
  const participations: RdvRecord['participations'] = await tx().query(
    `SELECT p.*, u.first_name, u.last_name FROM participations p JOIN users u ON u.id = p.user_id
      WHERE p.rdv_id = ANY($1::uuid[]) ORDER BY p.created_at, p.id`, [ids]);
  const byId = new Map(rdvs.map((rdv) => [rdv.id, { rdv, agentIds: [] as string[], participations: [] as RdvRecord['participations'] }]));
  for (const row of agents) byId.get(row.rdv_id)?.agentIds.push(row.agent_id);
  for (const row of participations) byId.get(row.rdv_id)?.participations.push(row);
  return ids.map((id) => byId.get(id)).filter((record): record is RdvRecord => record !== undefined);
}

/** The rdv (locked for update when asked), or 404. Pending holds are nobody's rdv yet. */
export async function findRdv(id: string, options: { lock?: boolean } = {}): Promise<RdvRecord> {
  const [record] = /^[0-9a-f-]{36}$/i.test(id) ? await loadRdvRecords([id], options) : [];
  if (!record || record.rdv.status === PENDING) throw AppError.notFound('Rdv');
  return record;
}

/** Participations that still count: the usager is expected, came, or did not come. */
export function activeParticipations(record: RdvRecord): RdvRecord['participations'] {
  return record.participations.filter((participation) => !isCancelled(participation.status));
}

export function durationInMin(rdv: Pick<Rdv, 'starts_at' | 'ends_at'>): number {
  return Math.round((rdv.ends_at.getTime() - rdv.starts_at.getTime()) / 60_000);
}

/**
 * An rdv as the agent API answers it; times with the territory's offset. With a
 * form, the Contexte and custom fields show as the territory's configuration says.
 */
export function rdvJson(record: RdvRecord, zone: string, form?: EffectiveForm) {
  const { rdv } = record;
  const fiche = form
    ? form.visible({ context: rdv.context, custom_fields: rdv.custom_fields })
    : { context: rdv.context, custom_fields: rdv.custom_fields };
  return {
    id: rdv.id,
    organisation_id: rdv.organisation_id,
    motif_id: rdv.motif_id,
    motif_option: rdv.motif_option?.label ?? null,
    lieu_id: rdv.lieu_id,
    starts_at: isoInZone(rdv.starts_at.getTime(), zone),
    ends_at: isoInZone(rdv.ends_at.getTime(), zone),
    duration_in_min: durationInMin(rdv),
    status: rdv.status,
    collectif: rdv.collectif,
    name: rdv.name,
    max_participants_count: rdv.max_participants_count,
    users_count: activeParticipations(record).length,
    context: fiche.context ?? null,
    custom_fields: fiche.custom_fields ?? {},
    agent_ids: record.agentIds,
    user_ids: record.participations.map((participation) => participation.user_id),
    participations: record.participations.map(participationJson),
    created_by: rdv.created_by,
    created_by_agent_id: rdv.created_by_agent_id,
    cancelled_at: rdv.cancelled_at,
    arrived_at: rdv.arrived_at,
    sequence: rdv.sequence,
    lock_version: rdv.lock_version,
    created_at: rdv.created_at,
    updated_at: rdv.updated_at,
  };
}

export function participationJson(participation: RdvRecord['participations'][number]) {
  return {
    id: participation.id,
    user_id: participation.user_id,
    first_name: participation.first_name,
    last_name: participation.last_name,
    status: participation.status,
    created_by: participation.created_by,
    prescripteur: participation.prescripteur,
    created_at: participation.created_at,
  };
}

/**
 * Writes the time the rdv takes in each agent's agenda from scratch, so that the
 * exclusion constraint checks the final rows once. `overbooked` agents (an
 * agent's explicit `force` over another rdv) are exempt from it. A taken time
 * is refused with 409.
 */
export async function writeAgentTime(rdv: Rdv, agentIds: readonly string[], overbooked: ReadonlySet<string> = new Set()): Promise<void> {
  await tx().delete(RdvAgent, { rdv_id: rdv.id });
  if (agentIds.length === 0) return;
  const active = ACTIVE_STATUSES.includes(rdv.status);
  await takingTime(() => tx().insert(RdvAgent, agentIds.map((agentId) => ({
    territory_id: currentTerritoryId(),
    rdv_id: rdv.id,
    agent_id: agentId,
    starts_at: rdv.starts_at,
    ends_at: rdv.ends_at,
    active,
    overbooked: overbooked.has(agentId),
  }))));
}

/** The agents among `agentIds` with another active rdv overlapping [start, end) (one that began less than 12 hours before: rdvs last at most that). */
export async function agentsWithOverlappingRdvs(agentIds: readonly string[], start: Date, end: Date, excludeRdvId: string | null): Promise<{ agent_id: string; rdv_id: string }[]> {
  if (agentIds.length === 0) return [];
  return tx().query(
    `SELECT agent_id, rdv_id FROM rdv_agents
      WHERE agent_id = ANY($1::uuid[]) AND active AND starts_at < $3 AND ends_at > $2
        AND starts_at > $2::timestamptz - interval '12 hours' AND rdv_id IS DISTINCT FROM $4::uuid
      ORDER BY agent_id, starts_at`,
    [agentIds, start, end, excludeRdvId],
  );
}

/** The values the history follows; instants in UTC. */
function historyValues(record: RdvRecord): Record<string, unknown> {
  const { rdv } = record;
  return {
    status: rdv.status,
    starts_at: rdv.starts_at.toISOString(),
    ends_at: rdv.ends_at.toISOString(),
    lieu_id: rdv.lieu_id,
    agent_ids: record.agentIds,
    participations: Object.fromEntries(record.participations.map((participation) => [participation.user_id, participation.status])),
    name: rdv.name,
    max_participants_count: rdv.max_participants_count,
    context: rdv.context,
    custom_fields: rdv.custom_fields,
    arrived_at: rdv.arrived_at?.toISOString() ?? null,
  };
}

export interface ChangeDetails {
  /** Whether the usagers should be notified (an agent may say no). */
  notify?: boolean;
  /** The usager a participation event is about. */
  userId?: string;
  /** Told to the agent who forced the booking. */
  warnings?: unknown[];
}

/**
 * Records one change of an rdv in the same transaction: its version in the
 * history (who, when, which fields from what to what) and its outbox event with
 * what notifications need: the reason, the previous start when it moved, who acted.
 */
export async function recordRdvChange(
  before: RdvRecord | null,
  after: RdvRecord,
  reason: RdvReason,
  acting: Acting,
  at: Date,
  zone: string,
  details: ChangeDetails = {},
): Promise<void> {
  const changes = changedFields(before ? historyValues(before) : {}, reason === 'rdv_destroyed' ? {} : historyValues(after));
  await recordVersion('rdv', after.rdv.id, reason.replace(/^rdv_/, ''), changes, { authorAgentId: acting.agentId, at });
  if (before !== null && reason !== 'rdv_destroyed') {
    // Every path that changes an rdv records it here: the one place its version rises.
    // A SELECT around the UPDATE: drivers answer an UPDATE with [rows, count] but a SELECT with its rows.
    const [{ lock_version: version }] = await tx().query(
      `WITH raised AS (UPDATE rdvs SET lock_version = lock_version + 1 WHERE id = $1 RETURNING lock_version) SELECT lock_version FROM raised`,
      [after.rdv.id]);
    after.rdv.lock_version = version;
  }
  const moved = before !== null && before.rdv.starts_at.getTime() !== after.rdv.starts_at.getTime();
  const payload = {
    ...rdvJson(after, zone),
    webhook_reason: reason,
    changed_fields: Object.keys(changes),
    previous_starts_at: moved ? isoInZone(before.rdv.starts_at.getTime(), zone) : null,
    previous_lieu_id: before && before.rdv.lieu_id !== after.rdv.lieu_id ? before.rdv.lieu_id : null,
    actor: { type: acting.type, agent_id: acting.agentId, user_id: acting.userId ?? null },
    notify: details.notify ?? true,
    ...(details.userId ? { subject_user_id: details.userId } : {}),
  };
  const event = reason === 'rdv_created' ? 'created' : reason === 'rdv_destroyed' ? 'destroyed' : 'updated';
  await recordEvent('rdv', event, payload, { organisationId: after.rdv.organisation_id, actorAgentId: acting.agentId });
}

/** A copy of a record to compare a change against. */
export function snapshot(record: RdvRecord): RdvRecord {
  return {
    rdv: Object.assign(new Rdv(), record.rdv),
    agentIds: [...record.agentIds],
    participations: record.participations.map((participation) => ({ ...participation })),
  };
}

/**
 * Gives the rdv a new status and saves it: a cancellation sets its time and
 * frees the agents' time (the rdvs trigger), a restore takes it back if still
 * free (409 otherwise), and the usager being told raises the sequence.
 */
export async function saveStatus(rdv: Rdv, to: RdvStatus, at: Date): Promise<void> {
  const from = rdv.status as RdvStatus;
  if (to === from) return;
  rdv.cancelled_at = isCancelled(to) ? at : null;
  if (usagerIsTold({ moved: false, lieuChanged: false, from, to })) rdv.sequence += 1;
  rdv.status = to;
  rdv.updated_at = at;
  await takingTime(() => tx().save(Rdv, rdv));
}

/** Seats of a collectif session taken: usagers who count, and unconfirmed online bookings still held. */
export async function seatsTaken(rdvId: string, now: Date): Promise<number> {
  const [{ taken }] = await tx().query(
    `SELECT (SELECT count(*) FROM participations WHERE rdv_id = $1 AND status NOT IN ('excused', 'revoked'))
          + (SELECT count(*) FROM rdv_holds WHERE rdv_id = $1 AND seat AND confirmed_at IS NULL AND expires_at > $2) AS taken`,
    [rdvId, now],
  );
  return Number(taken);
}
