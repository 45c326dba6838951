import { tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import type { EffectiveForm } from '../forms/effective-form';
import { changedFields, recordVersion } from '../history/record-versions';
import { USER_STANDARD_FIELDS } from './user.entity';
import { ActorContext, anonymiseUser, findUserFor, profilesOf, saveChanges, storedValues, userJson, visibleOrganisations } from './users';

/** A column that points at users(id): merging moves its rows to the kept usager. */
export interface UserReference {
  table: string;
  column: string;
  /**
   * Columns unique together with `column` (user_profiles: organisation_id). A row
   * of the merged-away usager that would duplicate one of the kept usager's is
   * dropped: the kept usager's row stays.
   */
  uniqueWith?: string[];
}

/**
 * Every table that references users. A migration adding one (participations...)
 * adds it here: merging refuses to run while a foreign key to users is missing
 * from this list, rather than leave rows on the merged-away fiche.
 */
export const USER_REFERENCES: UserReference[] = [
  { table: 'user_profiles', column: 'user_id', uniqueWith: ['organisation_id'] },
  { table: 'participations', column: 'user_id', uniqueWith: ['rdv_id'] },
  // An invitation to open an account follows its fiche; it opens one only while the fiche keeps the address it went to.
  { table: 'usager_account_invitations', column: 'user_id' },
];

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Foreign keys to users(id) that USER_REFERENCES does not list. */
export async function unregisteredUserReferences(): Promise<string[]> {
  const rows: { table_name: string; column_name: string }[] = await tx().query(
    `SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass AND a.attname <> 'territory_id'`, // keys carry the territory too
  );
  const registered = new Set(USER_REFERENCES.map((reference) => `${reference.table}.${reference.column}`));
  return rows.map((row) => `${row.table_name}.${row.column_name}`).filter((name) => !registered.has(name));
}

/** Moves every row that references `fromUserId` to `toUserId` (the one function merging relies on). */
export async function moveUserReferences(fromUserId: string, toUserId: string): Promise<void> {
  const missing = await unregisteredUserReferences();
  if (missing.length) throw new Error(`Merging usagers would leave rows behind: add ${missing.join(', ')} to USER_REFERENCES (usagers/merge.ts)`);
  for (const { table, column, uniqueWith = [] } of USER_REFERENCES) {
    if (![table, column, ...uniqueWith].every((name) => IDENTIFIER.test(name))) throw new Error(`USER_REFERENCES: bad identifier in ${table}`);
    if (uniqueWith.length) {
      const same = uniqueWith.map((name) => `kept.${name} IS NOT DISTINCT FROM moved.${name}`).join(' AND ');
      await tx().query(
        `DELETE FROM ${table} moved WHERE moved.${column} = $1 AND EXISTS (SELECT 1 FROM ${table} kept WHERE kept.${column} = $2 AND ${same})`,
        [fromUserId, toUserId],
      );
    }
    await tx().query(`UPDATE ${table} SET ${column} = $2 WHERE ${column} = $1`, [fromUserId, toUserId]);
  }
}

export interface MergeBody {
  user_id: string;
  other_user_id: string;
  /** Standard field or `custom_fields.<name>` → whose value the merged fiche keeps. */
  fields?: Record<string, 'user' | 'other'>;
}

/**
 * Merges `other_user_id` into `user_id`: the kept fiche takes, field by field, the
 * chosen value (by default its own, or the other's where it has none), every
 * custom value of both, and every organisation and rdv of both; the other fiche
 * is anonymised. The actor must see both usagers.
 */
export async function mergeUsers(context: ActorContext, form: EffectiveForm, body: MergeBody): Promise<ReturnType<typeof userJson>> {
  const { actor, platform } = context;
  if (body.user_id === body.other_user_id) throw AppError.invalidField('other_user_id', 'must be another usager than user_id');
  // Locks both fiches, in a fixed order, against a concurrent edit or merge.
  await tx().query(`SELECT id FROM users WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, [body.user_id, body.other_user_id]);
  const kept = await findUserFor(actor, body.user_id);
  const other = await findUserFor(actor, body.other_user_id);
  const choices = body.fields ?? {};
  const customNames = new Set([...Object.keys(kept.user.custom_fields), ...Object.keys(other.user.custom_fields), ...form.customFields.map((field) => field.name)]);
  for (const name of Object.keys(choices)) {
    const known = name.startsWith('custom_fields.') ? customNames.has(name.slice('custom_fields.'.length)) : (USER_STANDARD_FIELDS as readonly string[]).includes(name);
    if (!known) throw AppError.invalidField(`fields.${name}`, 'names no field of these usagers');
  }

  const before = storedValues(kept.user);
  const keptRecord = kept.user as unknown as Record<string, unknown>;
  const otherRecord = other.user as unknown as Record<string, unknown>;
  for (const name of USER_STANDARD_FIELDS) {
    const choice = choices[name] ?? (keptRecord[name] === null ? 'other' : 'user');
    if (choice === 'other') keptRecord[name] = otherRecord[name];
  }
  const custom: Record<string, unknown> = {};
  for (const name of customNames) {
    const choice = choices[`custom_fields.${name}`] ?? (kept.user.custom_fields[name] === undefined ? 'other' : 'user');
    const value = (choice === 'other' ? other.user : kept.user).custom_fields[name];
    if (value !== undefined) custom[name] = value;
  }
  kept.user.custom_fields = custom;

  const at = platform.clock.now();
  for (const organisationId of other.organisationIds) {
    const payload = { ...userJson(other.user, form, [organisationId]), merged_into_user_id: kept.user.id };
    await recordEvent('user', 'destroyed', payload, { organisationId, actorAgentId: actor.agentId });
  }
  await moveUserReferences(other.user.id, kept.user.id);
  const organisationIds = (await profilesOf([kept.user.id])).get(kept.user.id)!;
  const changes = { ...changedFields(before, storedValues(kept.user)), merged_user_id: { from: null, to: other.user.id } };
  await saveChanges(kept.user, changes, 'merged', form, organisationIds, context);
  await anonymiseUser(platform, other.user.id, { authorAgentId: actor.agentId, at });
  await recordVersion('user', other.user.id, 'merged_into', { merged_into_user_id: { from: null, to: kept.user.id } }, { authorAgentId: actor.agentId, at });
  return userJson(kept.user, form, visibleOrganisations(actor, organisationIds));
}
