/**
 * The usager of an online or prescripteur booking: an existing fiche of the
 * territory when it is the same person (same email, or same names and phone),
 * else a new fiche. A matched fiche is left as the agents keep it, but for the
 * plugin fields given, which belong to this booking (a new pré-demande number).
 */
import { isDeepStrictEqual } from 'node:util';
import { tx } from '../db/database';
import { mergeCustomFields } from '../forms/custom-fields';
import type { EffectiveForm, FicheValues } from '../forms/effective-form';
import { parseFrenchPhone } from '../forms/phone';
import { changedFields } from '../history/record-versions';
import type { Platform } from '../platform';
import { normaliseForSearch, searchPatterns } from '../usagers/search';
import { User } from '../usagers/user.entity';
import { addUserToOrganisation, createUser, profilesOf, saveChanges, storedValues } from '../usagers/users';

/** A phone number as one comparable string (E.164 when it reads as a valid number). */
function phoneKey(phone: string | null | undefined): string | null {
  if (!phone) return null;
  return parseFrenchPhone(phone)?.number ?? phone.replace(/\D/g, '');
}

function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  return Boolean(a && b) && normaliseForSearch(a!).trim() === normaliseForSearch(b!).trim();
}

/** The territory's fiche of this person, if any: same email first, else same first and last names and phone. */
export async function findSameUsager(values: FicheValues): Promise<User | null> {
  const email = typeof values.email === 'string' ? values.email : null;
  if (email) {
    const [byEmail] = await tx().query(
      `SELECT id FROM users WHERE deleted_at IS NULL AND lower(email) = lower($1) ORDER BY created_at, id LIMIT 1`, [email]);
    if (byEmail) return tx().findOneByOrFail(User, { id: byEmail.id });
  }
  const phone = phoneKey(values.phone_number as string | undefined);
  if (!phone) return null;
  // search_text holds the names without accents: it narrows the candidates, the names and phone decide.
  const candidates: User[] = await tx().query(
    `SELECT id, first_name, last_name, phone_number FROM users
      WHERE deleted_at IS NULL AND phone_number IS NOT NULL AND search_text LIKE ALL($1::text[])`,
    [searchPatterns(String(values.last_name))],
  );
  const same = candidates.find((candidate) =>
    sameName(candidate.first_name, values.first_name as string) && sameName(candidate.last_name, values.last_name as string)
    && phoneKey(candidate.phone_number) === phone);
  return same ? tx().findOneByOrFail(User, { id: same.id }) : null;
}

/** The usager's fiche, matched or created (from values the public user form validated), held by the organisation. */
export async function usagerFor(platform: Platform, form: EffectiveForm, organisationId: string, values: FicheValues): Promise<User> {
  const existing = await findSameUsager(values);
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
