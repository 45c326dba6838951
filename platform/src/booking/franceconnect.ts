/**
 * Usagers signing in through FranceConnect (issue 19, INTEGRATIONS.md §3). The account
 * is found by FranceConnect's `sub`, else by its email, else opened (in the territory of
 * the organisation the usager came from). FranceConnect then certifies the identity
 * (first name, birth name, birth date): it is written at each sign-in and no longer
 * changed by hand, on the account (PATCH /api/public/me) as on the fiches its bookings
 * create (agents' PATCH /api/v1/users/{id}).
 */
import crypto from 'node:crypto';
import { finishOidcSignIn, OidcCallback } from '../auth/oidc';
import { generateToken, hashToken } from '../auth/secrets';
import { tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { publicOrganisation } from '../organisations/public-routes';
import type { Platform } from '../platform';
import { secretBoxFor } from '../plugins/secrets';

/** The fields FranceConnect certifies, as the fiche and the account name them. */
export const CERTIFIED_FIELDS = ['first_name', 'birth_name', 'birth_date'] as const;
export type CertifiedIdentity = Record<(typeof CERTIFIED_FIELDS)[number], string | null>;

export interface FranceConnectCallback extends OidcCallback {
  /** The organisation whose page the usager came from: where an account FranceConnect opens belongs. */
  organisation_slug?: string;
}

const idTokenPlace = (tokenHash: string) => `franceconnect_id_token:${tokenHash}`;

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : null);

/**
 * Changes of certified fields that differ from what FranceConnect certified: refused,
 * each with its path (`prefix` for a nested body, as `user.` in a booking).
 */
export function certifiedFieldErrors(certified: CertifiedIdentity, changes: Record<string, unknown>, prefix = ''): FieldError[] {
  return CERTIFIED_FIELDS
    // An emptied field is the form's way of saying null.
    .filter((field) => field in changes && (changes[field] || null) !== certified[field])
    .map((field) => ({ path: `${prefix}${field}`, message: 'is certified by FranceConnect and cannot be changed' }));
}

/** Signs the usager in with what FranceConnect sent back: a bearer token for the usager routes, and the account. */
export async function signInWithFranceConnect(platform: Platform, callback: FranceConnectCallback) {
  const { claims, idToken } = await finishOidcSignIn(platform, 'franceconnect', callback);
  const email = text(claims.email);
  if (!email) throw new AppError('unauthenticated', 'FranceConnect gave no email: sign in otherwise');
  const identity: CertifiedIdentity = {
    first_name: text(claims.given_name), birth_name: text(claims.family_name), birth_date: text(claims.birthdate),
  };
  const now = platform.clock.now();
  const accountId = await platform.db.system(async () => {
    const [bySub] = await tx().query(`SELECT id FROM usager_accounts WHERE franceconnect_sub = $1 FOR UPDATE`, [claims.sub]);
    let id: string | undefined = bySub?.id;
    if (!id) {
      const [byEmail] = await tx().query(
        `SELECT id, verified_at, franceconnect_sub FROM usager_accounts WHERE lower(email) = lower($1) FOR UPDATE`, [email]);
      // Relatives may share an address: an account another FranceConnect identity holds is not this person's.
      if (byEmail?.franceconnect_sub) {
        throw AppError.conflict('The account at this email belongs to another FranceConnect identity: sign in with its password',
          [{ path: 'email', message: 'belongs to another FranceConnect identity' }]);
      }
      if (byEmail && !byEmail.verified_at) {
        // Whoever opened it never proved the address, FranceConnect's holder does: the password chosen then goes.
        await tx().query(
          `UPDATE usager_accounts SET password_hash = NULL, verified_at = $2, verification_code_hash = NULL, verification_expires_at = NULL WHERE id = $1`,
          [byEmail.id, now]);
      }
      id = byEmail?.id;
    }
    if (!id) return null;
    await tx().query(
      `UPDATE usager_accounts SET franceconnect_sub = $2, first_name = coalesce($3, first_name), birth_name = $4, birth_date = $5,
              franceconnect_identity_at = $6, updated_at = $6 WHERE id = $1`,
      [id, claims.sub, identity.first_name, identity.birth_name, identity.birth_date, now]);
    return id as string;
  }) ?? await openFranceConnectAccount(platform, callback.organisation_slug, { sub: claims.sub, email, identity });
  return openUsagerSession(platform, accountId, idToken);
}

async function openFranceConnectAccount(
  platform: Platform, organisationSlug: string | undefined, person: { sub: string; email: string; identity: CertifiedIdentity },
): Promise<string> {
  if (!organisationSlug) {
    throw AppError.invalidField('organisation_slug', 'is required to open an account: start from an organisation’s booking page');
  }
  const organisation = await publicOrganisation(platform, organisationSlug);
  const id = crypto.randomUUID();
  const now = platform.clock.now();
  await platform.db.tenant(organisation.territoryId, () => tx().query(
    `INSERT INTO usager_accounts (id, territory_id, email, password_hash, first_name, last_name, birth_name, birth_date,
                                  franceconnect_sub, franceconnect_identity_at, verified_at, created_at, updated_at)
     VALUES ($1, $2, $3, NULL, $4, $5, $5, $6, $7, $8, $8, $8, $8)`,
    [id, organisation.territoryId, person.email, person.identity.first_name ?? '', person.identity.birth_name ?? '',
      person.identity.birth_date, person.sub, now]));
  return id;
}

async function openUsagerSession(platform: Platform, accountId: string, franceconnectIdToken: string) {
  const token = generateToken();
  const tokenHash = hashToken(token);
  await platform.db.systemStatement(
    `INSERT INTO usager_sessions (token_hash, account_id, expires_at, franceconnect_id_token) VALUES ($1, $2, $3, $4)`,
    [tokenHash, accountId, new Date(platform.clock.now().getTime() + platform.config.sessionTtlHours * 3600_000),
      secretBoxFor(platform.config).seal(franceconnectIdToken, idTokenPlace(tokenHash))]);
  const [account] = await platform.db.systemStatement<{ id: string; email: string; first_name: string; last_name: string }>(
    `SELECT id, email, first_name, last_name FROM usager_accounts WHERE id = $1`, [accountId]);
  return { token, account };
}

/** The FranceConnect id token of the usager session `tokenHash`, to end FranceConnect's session too. */
export function franceConnectIdToken(platform: Platform, tokenHash: string, sealed: string | null): string | null {
  return sealed ? secretBoxFor(platform.config).open(sealed, idTokenPlace(tokenHash)) : null;
}
