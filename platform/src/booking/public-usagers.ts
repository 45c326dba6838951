/**
 * The usager of an online or prescripteur booking. Only an email the booker proved
 * theirs (a verified account, or the code received at that very address) finds an
 * existing fiche of the territory; any other booking gets a new fiche, which agents
 * merge if it is a known person. Matching on what anybody can type (an email given
 * by a prescripteur, names and a phone) would attach and reveal another person's fiche.
 * A matched fiche is left as the agents keep it, but for the plugin fields given,
 * which belong to this booking (a new pré-demande number).
 */
import { isDeepStrictEqual } from 'node:util';
import { tx } from '../db/database';
import { mergeCustomFields } from '../forms/custom-fields';
import type { EffectiveForm, FicheValues } from '../forms/effective-form';
import { changedFields } from '../history/record-versions';
import type { Platform } from '../platform';
import { User } from '../usagers/user.entity';
import { addUserToOrganisation, createUser, profilesOf, saveChanges, storedValues } from '../usagers/users';

/** The territory's fiche with this proven email, if any (the oldest when several share it). */
async function ficheWithEmail(email: string): Promise<User | null> {
  const [byEmail] = await tx().query(
    `SELECT id FROM users WHERE deleted_at IS NULL AND lower(email) = lower($1) ORDER BY created_at, id LIMIT 1`, [email]);
  return byEmail ? tx().findOneByOrFail(User, { id: byEmail.id }) : null;
}

/**
 * The usager's fiche (from values the public user form validated), held by the organisation:
 * the fiche of `provenEmail` when there is one, else a new fiche.
 */
export async function usagerFor(
  platform: Platform, form: EffectiveForm, organisationId: string, values: FicheValues, provenEmail: string | null,
): Promise<User> {
  const existing = provenEmail ? await ficheWithEmail(provenEmail) : null;
  if (existing) {
    await addUserToOrganisation(existing.id, organisationId, platform.clock.now());
    await takePluginValues(platform, form, existing, values);
    return existing;
  }
  return createUser({ actor: null, platform }, form, organisationId, values);
}

/** The plugin fields' values given online replace the fiche's (null ones clear nothing an agent kept). */
async function takePluginValues(platform: Platform, form: EffectiveForm, user: User, values: FicheValues): Promise<void> {
  const given = (values.custom_fields ?? {}) as Record<string, unknown>;
  const taken = Object.fromEntries(form.pluginFields.map(({ field }) => [field.name, given[field.name]]).filter(([, value]) => value != null));
  const merged = mergeCustomFields(user.custom_fields, taken);
  if (isDeepStrictEqual(merged, user.custom_fields)) return;
  const before = storedValues(user);
  user.custom_fields = merged;
  const organisationIds = (await profilesOf([user.id])).get(user.id)!;
  await saveChanges(user, changedFields(before, storedValues(user)), 'updated', form, organisationIds, { actor: null, platform });
}
