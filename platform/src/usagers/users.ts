import { DateTime } from 'luxon';
import { In, IsNull } from 'typeorm';
import { AgentActor, isMember } from '../agents/actor';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import { mergeCustomFields } from '../forms/custom-fields';
import type { EffectiveForm, FicheValues } from '../forms/effective-form';
import { changedFields, eraseVersionValues, FieldChanges, recordVersion } from '../history/record-versions';
import type { Platform } from '../platform';
import { scrubUsagerCopies } from '../retention/copies';
import { Organisation } from '../organisations/organisation.entity';
import { requireMember } from '../organisations/policy';
import { Territory } from '../territories/territory.entity';
import { userSearchText } from './search';
import { User, USER_STANDARD_FIELDS, UserProfile } from './user.entity';

/** A body of POST or PATCH, already validated against the effective form. */
export type UserBody = FicheValues;

/** A fiche the actor may see, with every organisation that holds it. */
export interface FoundUser {
  user: User;
  organisationIds: string[];
}

export interface ActorContext {
  actor: AgentActor;
  platform: Platform;
}

/** The stored fiche as form values: standard fields and every custom value. */
export function storedValues(user: User): FicheValues {
  const values: FicheValues = {};
  for (const name of USER_STANDARD_FIELDS) values[name] = user[name];
  values.custom_fields = user.custom_fields;
  return values;
}

/**
 * An usager as the API answers it: what the form shows (hidden fields and
 * values of removed fields stay stored, out of sight), the organisations of
 * theirs the actor belongs to, and how the fiche fails the current form.
 */
export function userJson(user: User, form: EffectiveForm, organisationIds: string[]) {
  const values = storedValues(user);
  return {
    id: user.id,
    ...form.visible(values),
    organisation_ids: organisationIds,
    created_at: user.created_at,
    updated_at: user.updated_at,
    nonconformities: form.nonconformities(values),
  };
}

/** Organisation ids of each usager. */
export async function profilesOf(userIds: string[]): Promise<Map<string, string[]>> {
  const profiles = new Map(userIds.map((id) => [id, [] as string[]]));
  if (!userIds.length) return profiles;
  const rows = await tx().find(UserProfile, { where: { user_id: In(userIds) }, order: { created_at: 'ASC', organisation_id: 'ASC' } });
  for (const row of rows) profiles.get(row.user_id)!.push(row.organisation_id);
  return profiles;
}

/** The usager if one of their organisations is the actor's; otherwise they do not exist for the actor (404). */
export async function findUserFor(actor: AgentActor, id: string): Promise<FoundUser> {
  const user = /^[0-9a-f-]{36}$/i.test(id) ? await tx().findOneBy(User, { id, deleted_at: IsNull() }) : null;
  const organisationIds = user ? (await profilesOf([user.id])).get(user.id)! : [];
  if (!user || !organisationIds.some((organisationId) => isMember(actor, organisationId))) throw AppError.notFound('User');
  return { user, organisationIds };
}

/**
 * The actor works in this organisation of their territory. Territorial admins are
 * members of every organisation, so the id must also name one their territory holds.
 */
export async function requireOrganisation(actor: AgentActor, organisationId: string): Promise<void> {
  requireMember(actor, organisationId);
  if (!/^[0-9a-f-]{36}$/i.test(organisationId) || !(await tx().existsBy(Organisation, { id: organisationId }))) throw AppError.notFound('Organisation');
}

export function visibleOrganisations(actor: AgentActor, organisationIds: string[]): string[] {
  return organisationIds.filter((organisationId) => isMember(actor, organisationId));
}

/** The organisation of the actor's in which they act on the fiche: `organisation_id`, needed when the fiche is in several of theirs. */
export function actingOrganisation(actor: AgentActor, found: FoundUser, organisationId: string | undefined): string {
  const shared = visibleOrganisations(actor, found.organisationIds);
  if (organisationId === undefined) {
    if (shared.length > 1) throw AppError.invalidField('organisation_id', 'is required: the usager belongs to several of your organisations');
    return shared[0];
  }
  if (!shared.includes(organisationId)) throw AppError.notFound('User');
  return organisationId;
}

async function checkBirthDate(platform: Platform, birthDate: unknown): Promise<void> {
  if (typeof birthDate !== 'string') return;
  const { timezone } = await tx().findOneByOrFail(Territory, { id: currentTerritoryId() });
  const today = DateTime.fromJSDate(platform.clock.now(), { zone: timezone }).toISODate()!;
  if (birthDate > today) throw AppError.invalidField('birth_date', 'must not be in the future');
}

/** One event per organisation holding the fiche: webhooks and plugins are configured per organisation. */
export async function recordUserEvents(event: 'created' | 'updated' | 'destroyed', user: User, form: EffectiveForm, organisationIds: string[], actorAgentId: string | null) {
  for (const organisationId of organisationIds) {
    await recordEvent('user', event, userJson(user, form, [organisationId]), { organisationId, actorAgentId });
  }
}

/** Writes a changed fiche with its search text, its history and its events; without an actor, the usager changed it (online booking). */
export async function saveChanges(
  user: User, changes: FieldChanges, event: string, form: EffectiveForm, organisationIds: string[],
  { actor, platform }: { actor: AgentActor | null; platform: Platform },
) {
  const at = platform.clock.now();
  const authorAgentId = actor?.agentId ?? null;
  user.updated_at = at;
  user.search_text = userSearchText(user);
  await tx().save(User, user);
  await recordVersion('user', user.id, event, changes, { authorAgentId, at });
  await recordUserEvents('updated', user, form, organisationIds, authorAgentId);
}

/**
 * Creates an usager in the organisation (whose member the actor is), from a body the form validated.
 * Without an actor, the usager created their own fiche (online booking).
 */
export async function createUser(context: { actor: AgentActor | null; platform: Platform }, form: EffectiveForm, organisationId: string, body: UserBody): Promise<User> {
  const { platform } = context;
  const authorAgentId = context.actor?.agentId ?? null;
  await checkBirthDate(platform, body.birth_date);
  const at = platform.clock.now();
  const user = tx().create(User, {
    territory_id: currentTerritoryId(),
    first_name: body.first_name as string,
    last_name: body.last_name as string,
    birth_name: (body.birth_name as string | undefined) ?? null,
    email: (body.email as string | undefined) ?? null,
    phone_number: (body.phone_number as string | undefined) ?? null,
    birth_date: (body.birth_date as string | undefined) ?? null,
    address: (body.address as string | undefined) ?? null,
    notify_by_email: (body.notify_by_email as boolean | undefined) ?? true,
    notify_by_sms: (body.notify_by_sms as boolean | undefined) ?? true,
    custom_fields: mergeCustomFields({}, body.custom_fields as Record<string, unknown> | undefined),
    created_at: at,
    updated_at: at,
  });
  user.search_text = userSearchText(user);
  await tx().save(user);
  await addUserToOrganisation(user.id, organisationId, at);
  await recordVersion('user', user.id, 'created', changedFields({}, storedValues(user)), { authorAgentId, at });
  await recordUserEvents('created', user, form, [organisationId], authorAgentId);
  return user;
}

/**
 * Gives an organisation access to an usager's fiche (booking in another
 * organisation, merging). Nothing happens when it already has it.
 */
export async function addUserToOrganisation(userId: string, organisationId: string, at: Date): Promise<void> {
  await tx().query(
    `INSERT INTO user_profiles (territory_id, user_id, organisation_id, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, organisation_id) DO NOTHING`,
    [currentTerritoryId(), userId, organisationId, at],
  );
}

/** Applies a PATCH the form validated: given fields replace, null clears, custom values merge. */
export async function updateUser(context: ActorContext, form: EffectiveForm, found: FoundUser, body: UserBody): Promise<User> {
  await checkBirthDate(context.platform, body.birth_date);
  const { user } = found;
  const before = storedValues(user);
  for (const name of USER_STANDARD_FIELDS) {
    if (body[name] !== undefined) (user as unknown as Record<string, unknown>)[name] = body[name];
  }
  user.custom_fields = mergeCustomFields(user.custom_fields, body.custom_fields as Record<string, unknown> | undefined);
  const changes = changedFields(before, storedValues(user));
  if (Object.keys(changes).length) await saveChanges(user, changes, 'updated', form, found.organisationIds, context);
  return user;
}

/**
 * Takes the fiche out of one organisation. An usager no organisation holds any
 * more is anonymised: nobody may see them again, and their rdvs keep counting.
 */
export async function removeUserFromOrganisation(context: ActorContext, form: EffectiveForm, found: FoundUser, organisationId: string): Promise<void> {
  const { actor, platform } = context;
  const { user, organisationIds } = found;
  const at = platform.clock.now();
  await tx().delete(UserProfile, { user_id: user.id, organisation_id: organisationId });
  const remaining = organisationIds.filter((id) => id !== organisationId);
  await recordVersion('user', user.id, 'removed_from_organisation', { organisation_ids: { from: organisationIds, to: remaining } }, { authorAgentId: actor.agentId, at });
  await recordUserEvents('destroyed', user, form, [organisationId], actor.agentId);
  if (!remaining.length) await anonymiseUser(platform, user.id, { authorAgentId: actor.agentId, at });
}

/**
 * Erases an usager's personal data (fiche, history values, the copies receipts, events
 * and plugins keep) and takes the fiche out of sight; the row stays so that rdvs and statistics keep their usager.
 */
export async function anonymiseUser(platform: Platform, userId: string, context: { authorAgentId: string | null; at: Date }): Promise<void> {
  await tx().query(
    `UPDATE users SET first_name = 'Usager', last_name = 'anonymisé', birth_name = NULL, email = NULL, phone_number = NULL,
            birth_date = NULL, address = NULL, custom_fields = '{}', search_text = '',
            deleted_at = coalesce(deleted_at, $2), anonymised_at = $2, updated_at = $2
      WHERE id = $1`,
    [userId, context.at],
  );
  await tx().delete(UserProfile, { user_id: userId });
  // The invitations to open an account keep the address they went to.
  await tx().query(`DELETE FROM usager_account_invitations WHERE user_id = $1`, [userId]);
  await eraseVersionValues('user', userId);
  await scrubUsagerCopies(platform, userId, context.at);
  await recordVersion('user', userId, 'anonymised', {}, context);
}
