/**
 * Usagers joining and leaving rdvs, and each one's status: the seats of a
 * collectif session (a full session accepts nobody more), one more usager of an
 * individual rdv, who came and who did not. The rdv's status follows its
 * participations (booking/status-rules.ts).
 */
import { territoryTimeZone } from '../agenda/definitions';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { Motif } from '../motifs/motif.entity';
import { addUserToOrganisation } from '../usagers/users';
import { AgentContext, checkUsers, rdvFor } from './agent-booking';
import { CreatedBy, Participation, PrescripteurIdentity, RdvStatus } from './rdv.entity';
import { Acting, loadRdvRecords, RdvRecord, recordRdvChange, saveStatus, seatsTaken, snapshot } from './rdvs';
import { isCancelled, rdvStatusFromParticipations, RdvReason, statusChangeReason } from './status-rules';

export interface Joining {
  userId: string;
  createdBy: CreatedBy;
  acting: Acting;
  prescripteur?: PrescripteurIdentity | null;
  /** A seat held for this usager by their own online booking: not counted against them. */
  heldSeat?: boolean;
  /** An agent's explicit confirmation: the usager joins a full session all the same. */
  overbook?: boolean;
}

/**
 * Adds an usager to a locked rdv: refused when cancelled, when they already take
 * part, when the session is full. An usager who had left comes back. Answers the
 * participation.
 */
export async function join(record: RdvRecord, joining: Joining, at: Date): Promise<Participation> {
  const { rdv } = record;
  if (isCancelled(rdv.status)) throw AppError.conflict('This rdv is cancelled: nobody can join it');
  const existing = record.participations.find((participation) => participation.user_id === joining.userId);
  if (existing && !isCancelled(existing.status)) {
    throw AppError.conflict('This usager already takes part in the rdv', [{ path: 'user_id', message: 'already takes part' }]);
  }
  if (rdv.max_participants_count !== null && !joining.overbook) {
    const taken = (await seatsTaken(rdv.id, at)) - (joining.heldSeat ? 1 : 0);
    if (taken >= rdv.max_participants_count) throw AppError.conflict('The session is full', [{ path: 'user_id', message: 'no seat left' }]);
  }
  await addUserToOrganisation(joining.userId, rdv.organisation_id, at);
  if (existing) {
    await tx().update(Participation, { id: existing.id }, { status: 'unknown', updated_at: at });
    return { ...existing, status: 'unknown', updated_at: at };
  }
  return tx().save(tx().create(Participation, {
    territory_id: currentTerritoryId(),
    rdv_id: rdv.id,
    user_id: joining.userId,
    status: 'unknown',
    created_by: joining.createdBy,
    created_by_agent_id: joining.acting.agentId,
    prescripteur: joining.prescripteur ?? null,
    created_at: at,
    updated_at: at,
  }));
}

/**
 * Sets one usager's status, then the rdv's as its participations say (one seen
 * makes it seen...). Answers the reason to record.
 */
export async function setParticipationStatus(record: RdvRecord, participationId: string, status: RdvStatus, acting: Acting, at: Date): Promise<RdvReason> {
  const participation = record.participations.find((candidate) => candidate.id === participationId);
  if (!participation) throw AppError.notFound('Participation');
  await tx().update(Participation, { id: participation.id }, { status, updated_at: at });
  const statuses = record.participations.map((candidate) => (candidate.id === participation.id ? status : candidate.status));
  const from = record.rdv.status as RdvStatus;
  const to = rdvStatusFromParticipations(from, statuses, { collectif: record.rdv.collectif, started: record.rdv.starts_at <= at });
  if (to !== from) {
    await saveStatus(record.rdv, to, at);
    return statusChangeReason(from, to, acting.type);
  }
  if (isCancelled(status) && !isCancelled(participation.status)) {
    return acting.type === 'user' ? 'rdv_participation_cancelled_by_user' : 'rdv_participation_removed';
  }
  return 'rdv_updated';
}

/** POST /rdvs/{id}/participations; a full session takes the usager only with `force: true`. */
export async function addParticipationByAgent(context: AgentContext, rdvId: string, body: { user_id: string; notify?: boolean; force?: boolean }) {
  const { actor, platform } = context;
  const record = await rdvFor(actor, rdvId, { lock: true });
  const before = snapshot(record);
  const motif = await tx().findOneByOrFail(Motif, { id: record.rdv.motif_id });
  await checkUsers(motif, [body.user_id], () => 'user_id');
  const at = platform.clock.now();
  const acting: Acting = { type: 'agent', agentId: actor.agentId };
  const participation = await join(record, { userId: body.user_id, createdBy: 'agent', acting, overbook: body.force ?? false }, at);
  const [after] = await loadRdvRecords([record.rdv.id]);
  const zone = await territoryTimeZone();
  await recordRdvChange(before, after, 'rdv_participation_added', acting, at, zone, { notify: body.notify, userId: body.user_id });
  return { record: after, participationId: participation.id, zone };
}

/** DELETE /rdvs/{id}/participations/{participation_id}: the usager no longer takes part (an individual rdv keeps at least one). */
export async function removeParticipationByAgent(context: AgentContext, rdvId: string, participationId: string) {
  const { actor, platform } = context;
  const record = await rdvFor(actor, rdvId, { lock: true });
  const participation = record.participations.find((candidate) => candidate.id === participationId);
  if (!participation) throw AppError.notFound('Participation');
  if (!record.rdv.collectif && record.participations.length === 1) {
    throw AppError.invalid('An rdv needs an usager: cancel the rdv instead', [{ path: 'participation_id', message: 'is the last usager of the rdv' }]);
  }
  const before = snapshot(record);
  await tx().delete(Participation, { id: participation.id });
  const [after] = await loadRdvRecords([record.rdv.id]);
  const acting: Acting = { type: 'agent', agentId: actor.agentId };
  await recordRdvChange(before, after, 'rdv_participation_removed', acting, platform.clock.now(), await territoryTimeZone(), { userId: participation.user_id });
}

/** PATCH /rdvs/{id}/participations/{participation_id}. */
export async function changeParticipationByAgent(context: AgentContext, rdvId: string, participationId: string, body: { status: RdvStatus; notify?: boolean }) {
  const { actor, platform } = context;
  const record = await rdvFor(actor, rdvId, { lock: true });
  const before = snapshot(record);
  const at = platform.clock.now();
  const acting: Acting = { type: 'agent', agentId: actor.agentId };
  const reason = await setParticipationStatus(record, participationId, body.status, acting, at);
  const [after] = await loadRdvRecords([record.rdv.id]);
  const userId = record.participations.find((candidate) => candidate.id === participationId)!.user_id;
  await recordRdvChange(before, after, reason, acting, at, await territoryTimeZone(), { notify: body.notify, userId });
  return { record: after, zone: await territoryTimeZone() };
}
