/**
 * Agents booking and changing rdvs (the agent API): who may book in which
 * agenda, what a booking needs (a lieu on site, the usager's phone for a phone
 * motif...), and what needs an explicit `force` (outside a plage, over an
 * absence, a closure or another rdv, or what a plugin's check warns of).
 */
import { isDeepStrictEqual } from 'node:util';
import { AgentActor, isOrganisationAdmin, seesWholeOrganisation } from '../agents/actor';
import { territoryTimeZone } from '../agenda/definitions';
import { AgentRow, canSeeAgent, loadAgents } from '../agents/agents';
import { currentTerritoryId, tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { mergeCustomFields } from '../forms/custom-fields';
import { parseFrenchPhone } from '../forms/phone';
import { validateRdvFields } from '../forms/rdv-fiche';
import { chosenOption, Motif } from '../motifs/motif.entity';
import { requireMember } from '../organisations/policy';
import type { Platform } from '../platform';
import { BookingToCheck, pluginBookingWarnings } from '../plugins/checks';
import type { BookingChange } from '../plugins/sdk';
import { User } from '../usagers/user.entity';
import { addUserToOrganisation } from '../usagers/users';
import { agentBookingWarnings, BookingWarning } from './availability';
import { usagersCustomFields } from './lookups';
import { CreatedBy, Participation, Rdv, RdvStatus } from './rdv.entity';
import {
  Acting,
  activeParticipations,
  findRdv,
  loadRdvRecords,
  RdvRecord,
  recordRdvChange,
  seatsTaken,
  snapshot,
  takingTime,
  writeAgentTime,
} from './rdvs';
import { checkRdvStatus, isCancelled, participationStatusAfter, statusChangeReason, usagerIsTold } from './status-rules';

/** The agent API's rdv body (schemas/api/rdv.json). */
export interface RdvBody {
  motif_id?: string;
  motif_option?: string | null;
  lieu_id?: string | null;
  starts_at?: string;
  duration_in_min?: number;
  agent_ids?: string[];
  user_ids?: string[];
  context?: string | null;
  custom_fields?: Record<string, unknown>;
  name?: string | null;
  max_participants_count?: number | null;
  status?: RdvStatus;
  notify?: boolean;
  force?: boolean;
  /** PATCH: the version the agent's edit started from (rdvJson's lock_version); another one means someone changed the rdv meanwhile. */
  lock_version?: number;
}

export interface AgentContext {
  actor: AgentActor;
  platform: Platform;
}

/** The motif, if it belongs to the organisation and the agent sees it (basic agents: their services' motifs). */
export async function motifFor(actor: AgentActor, organisationId: string, motifId: string): Promise<Motif> {
  const motif = await tx().findOneBy(Motif, { id: motifId, organisation_id: organisationId });
  if (!motif || motif.deleted_at) throw AppError.invalidField('motif_id', 'is not a motif of this organisation');
  if (!seesWholeOrganisation(actor, organisationId) && !actor.services.has(motif.service_id)) {
    throw AppError.invalidField('motif_id', "is not a motif of your services");
  }
  return motif;
}

/** On site, a lieu of the organisation that is not disabled; elsewhere, optional. */
async function checkLieu(motif: Motif, lieuId: string | null, organisationId: string): Promise<void> {
  if (lieuId === null) {
    if (motif.location_type === 'public_office') throw AppError.invalidField('lieu_id', 'is required for an rdv on site');
    return;
  }
  const [lieu] = await tx().query(
    `SELECT availability FROM lieux WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL`, [lieuId, organisationId]);
  if (!lieu) throw AppError.invalidField('lieu_id', 'is not a lieu of this organisation');
  if (lieu.availability === 'disabled') throw AppError.invalidField('lieu_id', 'is disabled');
}

/** The agents, if each belongs to the organisation and the actor may book in their agenda. */
async function checkAgents(actor: AgentActor, organisationId: string, agentIds: string[]): Promise<AgentRow[]> {
  const agents = await loadAgents('a.id = ANY($1::uuid[])', [agentIds]);
  const errors: FieldError[] = [];
  agentIds.forEach((agentId, index) => {
    const agent = agents.find((candidate) => candidate.id === agentId);
    if (!agent || !agent.roles.some((role) => role.organisation_id === organisationId)) {
      errors.push({ path: `agent_ids.${index}`, message: 'is not an agent of this organisation' });
    } else if (!canSeeAgent(actor, agent)) {
      errors.push({ path: `agent_ids.${index}`, message: 'is not an agent whose agenda you may book in' });
    }
  });
  if (errors.length > 0) throw AppError.invalid('The rdv names agents it cannot use', errors);
  return agents;
}

function isMobile(phone: string | null): boolean {
  if (!phone) return false;
  const type = parseFrenchPhone(phone)?.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

/** What an usager must have for the motif's modality: a phone to be called, an email or a mobile for the visio link. */
export function contactProblem(locationType: Motif['location_type'], user: Pick<User, 'email' | 'phone_number'>): string | null {
  if (locationType === 'phone' && !user.phone_number) return 'needs a phone number: the agent calls the usager';
  if (locationType === 'visio' && !user.email && !isMobile(user.phone_number)) {
    return 'needs an email or a mobile number to receive the visio link';
  }
  return null;
}

/**
 * The usagers, if they are usagers of the motif's organisation and can be reached as the motif
 * needs; `pathOf` names each one's field. An id of the territory's other fiches is refused like an
 * unknown one: booking it would open to this organisation a fiche it never had.
 */
export async function checkUsers(motif: Motif, userIds: string[], pathOf = (index: number) => `user_ids.${index}`): Promise<User[]> {
  const users = userIds.length
    ? await tx().query(
      `SELECT u.id, u.email, u.phone_number FROM users u
         JOIN user_profiles p ON p.user_id = u.id AND p.organisation_id = $2
        WHERE u.id = ANY($1::uuid[]) AND u.deleted_at IS NULL`,
      [userIds, motif.organisation_id])
    : [];
  const errors: FieldError[] = [];
  userIds.forEach((userId, index) => {
    const user = users.find((candidate: User) => candidate.id === userId);
    const problem = user ? contactProblem(motif.location_type, user) : 'is not an usager of this organisation';
    if (problem) errors.push({ path: pathOf(index), message: problem });
  });
  if (errors.length > 0) throw AppError.invalid('The rdv names usagers it cannot take', errors);
  return users;
}

/**
 * The agendas' warnings of a booking over [start, end), and the agents whose time
 * really overlaps another rdv: they are the ones booked as overbooked.
 */
async function agendaWarnings(query: Parameters<typeof agentBookingWarnings>[0]): Promise<{ warnings: BookingWarning[]; overbooked: Set<string> }> {
  const warnings = await agentBookingWarnings(query);
  return { warnings, overbooked: new Set(warnings.filter((warning) => warning.code === 'overlapping_rdv').map((warning) => warning.agent_id)) };
}

/**
 * A motif whose booking delays bind agents (seed 004): a time closer than its minimum delay
 * or past its horizon is refused; an organisation admin is asked to confirm it (`force`).
 */
function checkAgentBookingDelays(actor: AgentActor, motif: Motif, startsAt: Date, now: Date, force: boolean): void {
  if (!motif.booking_delays_for_agents) return;
  const earliest = now.getTime() + motif.min_public_booking_delay * 1000;
  const latest = now.getTime() + motif.max_public_booking_delay * 1000;
  const start = startsAt.getTime();
  if (start >= earliest && start <= latest) return;
  const message = start < earliest ? "is sooner than the motif's minimum booking delay" : "is past the motif's booking horizon";
  if (!isOrganisationAdmin(actor, motif.organisation_id)) throw AppError.invalidField('starts_at', message);
  if (!force) throw AppError.conflict('The rdv needs your explicit confirmation (force: true)', [{ path: 'starts_at', message }]);
}

/** Refuses with 409, listing the agendas' and the plugins' warnings together, unless `force`. */
function requireConfirmation(warnings: BookingWarning[], agentIds: string[], pluginWarnings: FieldError[], force: boolean): void {
  if (force || (warnings.length === 0 && pluginWarnings.length === 0)) return;
  throw AppError.conflict('The rdv needs your explicit confirmation (force: true)', [
    ...warnings.map((warning) => ({ path: `agent_ids.${agentIds.indexOf(warning.agent_id)}`, message: warning.message })),
    ...pluginWarnings,
  ]);
}

/** The plugins' checks of an agent's booking (none without a change they look at); their warnings, to confirm. */
async function agentPluginWarnings(
  platform: Platform, changes: BookingChange[], booking: Omit<BookingToCheck, 'changes' | 'channel' | 'usagers'> & { userIds: string[] },
): Promise<FieldError[]> {
  if (changes.length === 0) return [];
  const { userIds, ...rest } = booking;
  const fiches = await usagersCustomFields(userIds);
  const usagers = userIds.map((id, index) => ({ id, custom_fields: fiches.get(id) ?? {}, path: `user_ids.${index}` }));
  return pluginBookingWarnings(platform, { ...rest, changes, channel: 'agent', usagers });
}

function collectifFields(motif: Motif, body: RdvBody, userCount: number): Pick<Rdv, 'name' | 'max_participants_count'> {
  if (!motif.collectif) {
    if (body.name != null || body.max_participants_count != null) {
      throw AppError.invalidField(body.name != null ? 'name' : 'max_participants_count', 'is only for a collectif rdv');
    }
    return { name: null, max_participants_count: null };
  }
  const max = body.max_participants_count ?? null;
  if (max !== null && userCount > max) throw AppError.invalidField('user_ids', `has more usagers than the ${max} seats`);
  return { name: body.name ?? null, max_participants_count: max };
}

export async function insertParticipations(
  rdv: Rdv,
  userIds: string[],
  createdBy: CreatedBy,
  createdByAgentId: string | null,
  at: Date,
  prescripteur: Participation['prescripteur'] = null,
): Promise<void> {
  if (userIds.length === 0) return;
  await tx().insert(Participation, userIds.map((userId) => ({
    territory_id: currentTerritoryId(),
    rdv_id: rdv.id,
    user_id: userId,
    status: 'unknown' as const,
    created_by: createdBy,
    created_by_agent_id: createdByAgentId,
    prescripteur,
    created_at: at,
    updated_at: at,
  })));
  for (const userId of userIds) await addUserToOrganisation(userId, rdv.organisation_id, at);
}

function parseInstant(text: string, path: string): Date {
  const instant = new Date(text);
  if (Number.isNaN(instant.getTime())) throw AppError.invalidField(path, 'is not a date-time');
  return instant;
}

/** POST /organisations/{org}/rdvs. */
export async function bookByAgent(context: AgentContext, organisationId: string, body: RdvBody & Required<Pick<RdvBody, 'motif_id' | 'starts_at' | 'agent_ids'>>) {
  const { actor, platform } = context;
  requireMember(actor, organisationId);
  if (body.lock_version !== undefined) throw AppError.invalidField('lock_version', 'is only for a change of an existing rdv');
  const motif = await motifFor(actor, organisationId, body.motif_id);
  const lieuId = body.lieu_id ?? null;
  await checkLieu(motif, lieuId, organisationId);
  await checkAgents(actor, organisationId, body.agent_ids);
  const userIds = body.user_ids ?? [];
  if (!motif.collectif && userIds.length === 0) throw AppError.invalidField('user_ids', 'needs at least one usager');
  await checkUsers(motif, userIds);
  const status = body.status ?? 'unknown';
  checkRdvStatus(status, motif.collectif);
  if (isCancelled(status)) throw AppError.invalidField('status', 'cannot be a cancellation for a new rdv');
  const collectif = collectifFields(motif, body, userIds.length);
  const { form, fiche } = await validateRdvFields(platform, { context: body.context, custom_fields: body.custom_fields });
  const customFields = mergeCustomFields({}, fiche.custom_fields);

  const option = chosenOption(motif, body.motif_option);
  const startsAt = parseInstant(body.starts_at, 'starts_at');
  checkAgentBookingDelays(actor, motif, startsAt, platform.clock.now(), body.force ?? false);
  const duration = body.duration_in_min ?? option?.duration_in_min ?? motif.default_duration_in_min;
  const endsAt = new Date(startsAt.getTime() + duration * 60_000);
  const zone = await territoryTimeZone();
  const { warnings, overbooked } = await agendaWarnings(
    { organisationId, motif, lieuId, agentIds: body.agent_ids, start: startsAt, end: endsAt, excludeRdvId: null, platform, timeZone: zone },
  );
  // Last before writing, as the dearest: the request's transaction stays open while plugins answer, each within its bounded time.
  const pluginWarnings = await agentPluginWarnings(platform, ['created'], {
    organisationId, rdvId: null, motif, lieuId, startsAt, endsAt, userIds, customFields, timeZone: zone,
  });
  requireConfirmation(warnings, body.agent_ids, pluginWarnings, body.force ?? false);

  const at = platform.clock.now();
  const rdv = await tx().save(tx().create(Rdv, {
    territory_id: currentTerritoryId(),
    organisation_id: organisationId,
    motif_id: motif.id,
    motif_option: option,
    lieu_id: lieuId,
    starts_at: startsAt,
    ends_at: endsAt,
    status,
    collectif: motif.collectif,
    ...collectif,
    context: body.context ?? null,
    custom_fields: customFields,
    created_by: 'agent',
    created_by_agent_id: actor.agentId,
    sequence: 0,
    created_at: at,
    updated_at: at,
  }));
  await writeAgentTime(rdv, body.agent_ids, overbooked);
  await insertParticipations(rdv, userIds, 'agent', actor.agentId, at);
  const [record] = await loadRdvRecords([rdv.id]);
  await recordRdvChange(null, record, 'rdv_created', { type: 'agent', agentId: actor.agentId }, at, zone, { notify: body.notify, warnings });
  return { record, warnings, form, zone };
}

/** An rdv whose agenda the actor sees: admins and the Secrétariat every one of the organisation, others their own and same-service colleagues'. */
export async function rdvFor(actor: AgentActor, id: string, options: { lock?: boolean } = {}): Promise<RdvRecord> {
  const record = await findRdv(id, options);
  requireMember(actor, record.rdv.organisation_id);
  if (seesWholeOrganisation(actor, record.rdv.organisation_id) || record.agentIds.includes(actor.agentId)) return record;
  const agents = await loadAgents('a.id = ANY($1::uuid[])', [record.agentIds]);
  if (!agents.some((agent) => canSeeAgent(actor, agent))) throw AppError.notFound('Rdv');
  return record;
}

/** Replaces the usagers of an rdv: gone ones leave, new ones join. */
async function replaceUsers(record: RdvRecord, userIds: string[], acting: Acting, at: Date): Promise<void> {
  const current = new Set(record.participations.map((participation) => participation.user_id));
  const leaving = record.participations.filter((participation) => !userIds.includes(participation.user_id)).map((participation) => participation.id);
  if (leaving.length > 0) await tx().delete(Participation, leaving);
  await insertParticipations(record.rdv, userIds.filter((userId) => !current.has(userId)), 'agent', acting.agentId, at);
}

/** Gives each participation the consequence of the rdv's new status. */
export async function spreadStatus(record: RdvRecord, status: RdvStatus, at: Date): Promise<void> {
  for (const participation of record.participations) {
    const next = participationStatusAfter(status, participation.status);
    if (next !== participation.status) await tx().update(Participation, { id: participation.id }, { status: next, updated_at: at });
  }
}

/** Refuses an edit started from another version of the (locked) rdv than the current one: it would silently undo a colleague's change. */
function requireVersion(record: RdvRecord, version: number | undefined): void {
  if (version === undefined || version === record.rdv.lock_version) return;
  throw AppError.conflict('Someone else changed this rdv meanwhile: reload it, then make your change again', [
    { path: 'lock_version', message: `is not the current version of the rdv (${record.rdv.lock_version})` },
  ]);
}

/** PATCH /rdvs/{id}: any of time, duration, lieu, agents, usagers, status, fiche, collectif fields. */
export async function changeByAgent(context: AgentContext, id: string, body: RdvBody) {
  const { actor, platform } = context;
  if (body.motif_id !== undefined) throw AppError.invalidField('motif_id', 'cannot change: book a new rdv for another motif');
  const record = await rdvFor(actor, id, { lock: true });
  requireVersion(record, body.lock_version);
  const before = snapshot(record);
  const { rdv } = record;
  const motif = await tx().findOneByOrFail(Motif, { id: rdv.motif_id });
  const organisationId = rdv.organisation_id;

  if (body.motif_option !== undefined) rdv.motif_option = chosenOption(motif, body.motif_option);
  const lieuId = body.lieu_id === undefined ? rdv.lieu_id : body.lieu_id;
  if (body.lieu_id !== undefined) await checkLieu(motif, lieuId, organisationId);
  const agentIds = body.agent_ids ?? record.agentIds;
  if (body.agent_ids) await checkAgents(actor, organisationId, body.agent_ids);
  if (body.user_ids) {
    if (!motif.collectif && body.user_ids.length === 0) throw AppError.invalidField('user_ids', 'needs at least one usager');
    await checkUsers(motif, body.user_ids);
  }
  const status = body.status ?? (rdv.status as RdvStatus);
  if (body.status !== undefined) checkRdvStatus(status, rdv.collectif);
  if (body.name !== undefined || body.max_participants_count !== undefined || body.user_ids) {
    const merged = {
      name: body.name === undefined ? rdv.name : body.name,
      max_participants_count: body.max_participants_count === undefined ? rdv.max_participants_count : body.max_participants_count,
    };
    // Fewer seats than usagers already seated (online bookings still held included) would leave some without one.
    if (motif.collectif && !body.user_ids && body.max_participants_count != null) {
      const taken = await seatsTaken(rdv.id, platform.clock.now());
      if (body.max_participants_count < taken) {
        throw AppError.invalidField('max_participants_count', 'cannot be fewer than the seats already taken');
      }
    }
    const usersAfter = body.user_ids?.length ?? activeParticipations(record).length;
    Object.assign(rdv, collectifFields(motif, merged, usersAfter));
  }
  const ficheBefore = { context: rdv.context, custom_fields: rdv.custom_fields };
  if (body.context !== undefined || body.custom_fields !== undefined) {
    const { fiche } = await validateRdvFields(platform, { context: body.context, custom_fields: body.custom_fields }, { partial: true });
    if (fiche.context !== undefined) rdv.context = fiche.context;
    rdv.custom_fields = mergeCustomFields(rdv.custom_fields, fiche.custom_fields);
  }

  const startsAt = body.starts_at ? parseInstant(body.starts_at, 'starts_at') : rdv.starts_at;
  const duration = body.duration_in_min ?? Math.round((rdv.ends_at.getTime() - rdv.starts_at.getTime()) / 60_000);
  const endsAt = new Date(startsAt.getTime() + duration * 60_000);
  const moved = startsAt.getTime() !== rdv.starts_at.getTime() || endsAt.getTime() !== rdv.ends_at.getTime();
  if (startsAt.getTime() !== rdv.starts_at.getTime()) checkAgentBookingDelays(actor, motif, startsAt, platform.clock.now(), body.force ?? false);
  const agentsChanged = [...agentIds].sort().join() !== record.agentIds.join();
  const lieuChanged = lieuId !== rdv.lieu_id;
  const from = rdv.status as RdvStatus;
  const restored = isCancelled(from) && !isCancelled(status);
  const takesTimeAgain = !isCancelled(status) && (moved || agentsChanged || lieuChanged || restored);

  // A new place in the agendas is weighed like a booking; a restored rdv keeps its time if still free.
  const zone = await territoryTimeZone();
  let overbooked = new Set<string>();
  let warnings: BookingWarning[] = [];
  if (takesTimeAgain && (moved || agentsChanged || lieuChanged || body.force)) {
    ({ warnings, overbooked } = await agendaWarnings(
      { organisationId, motif, lieuId, agentIds, start: startsAt, end: endsAt, excludeRdvId: rdv.id, platform, timeZone: zone },
    ));
  }
  const activeUserIds = activeParticipations(record).map((participation) => participation.user_id);
  const userIds = body.user_ids ?? activeUserIds;
  const changes: BookingChange[] = isCancelled(status) ? [] : [
    ...(moved || lieuChanged || agentsChanged ? ['moved' as const] : []),
    ...(!isDeepStrictEqual([...userIds].sort(), [...activeUserIds].sort()) ? ['usagers' as const] : []),
    ...(!isDeepStrictEqual(ficheBefore, { context: rdv.context, custom_fields: rdv.custom_fields }) ? ['fields' as const] : []),
  ];
  // Last before writing, as the dearest: the request's transaction stays open while plugins answer, each within its bounded time.
  const pluginWarnings = await agentPluginWarnings(platform, changes, {
    organisationId, rdvId: rdv.id, motif, lieuId, startsAt, endsAt, userIds, customFields: rdv.custom_fields, timeZone: zone,
  });
  requireConfirmation(warnings, agentIds, pluginWarnings, body.force ?? false);

  const at = platform.clock.now();
  if (status !== from) rdv.cancelled_at = isCancelled(status) ? at : null;
  if (usagerIsTold({ moved, lieuChanged, from, to: status })) rdv.sequence += 1;
  Object.assign(rdv, { lieu_id: lieuId, starts_at: startsAt, ends_at: endsAt, status, updated_at: at });
  const occupancyChanges = moved || agentsChanged || isCancelled(from) !== isCancelled(status);
  if (occupancyChanges) {
    await writeAgentTime(rdv, [], new Set()); // the rows are written anew below, once
    await tx().save(Rdv, rdv);
    await writeAgentTime(rdv, agentIds, overbooked);
  } else {
    await takingTime(() => tx().save(Rdv, rdv));
  }
  if (body.user_ids) await replaceUsers(record, body.user_ids, { type: 'agent', agentId: actor.agentId }, at);
  if (status !== from) await spreadStatus((await loadRdvRecords([rdv.id]))[0], status, at);

  const [after] = await loadRdvRecords([rdv.id]);
  const reason = status !== from ? statusChangeReason(from, status, 'agent') : 'rdv_updated';
  await recordRdvChange(before, after, reason, { type: 'agent', agentId: actor.agentId }, at, zone, { notify: body.notify, warnings });
  return { record: after, warnings, zone };
}

/** DELETE /rdvs/{id}: the rdv is gone, its time freed; its history stays. */
export async function deleteByAgent(context: AgentContext, id: string): Promise<void> {
  const { actor, platform } = context;
  const record = await rdvFor(actor, id, { lock: true });
  await recordRdvChange(record, record, 'rdv_destroyed', { type: 'agent', agentId: actor.agentId }, platform.clock.now(), await territoryTimeZone());
  await tx().delete(Rdv, { id: record.rdv.id });
}

/** Salle d'attente: the usager arrived (or the mark is taken back); the rdv's agents see it through the event. */
export async function markArrival(context: AgentContext, id: string, arrived: boolean) {
  const { actor, platform } = context;
  const record = await rdvFor(actor, id, { lock: true });
  if (isCancelled(record.rdv.status)) throw AppError.conflict('This rdv is cancelled');
  const before = snapshot(record);
  const at = platform.clock.now();
  record.rdv.arrived_at = arrived ? at : null;
  record.rdv.updated_at = at;
  await tx().save(Rdv, record.rdv);
  const zone = await territoryTimeZone();
  await recordRdvChange(before, record, arrived ? 'rdv_user_arrived' : 'rdv_updated', { type: 'agent', agentId: actor.agentId }, at, zone, { notify: false });
  return { record, zone };
}
