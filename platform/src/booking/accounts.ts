/**
 * Password accounts of usagers, for those who want to find their rdvs later:
 * open one (a code sent by email verifies it), sign in, list one's rdvs. The
 * email is unique platform-wide; an account sees the rdvs of every fiche with its
 * (verified) email, in every territory. Booking while signed in needs no code.
 */
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { territoryTimeZone } from '../agenda/definitions';
import { oidcSignOutUrl } from '../auth/oidc';
import { generateToken, hashPassword, hashToken, verifyPassword } from '../auth/secrets';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent, sealEventSecret } from '../events/outbox';
import type { Platform } from '../platform';
import { publicOrganisation } from '../organisations/public-routes';
import { AttemptCounter, wrongGuess } from './attempts';
import { CERTIFIED_FIELDS, certifiedFieldErrors, franceConnectIdToken } from './franceconnect';
import type { SignedInUsager } from './holds';
import { loadUsagerView, recapJson } from './recap';

const VERIFICATION_MS = 24 * 3600_000;
const MAX_LISTED_RDVS = 200;

export interface AccountBody {
  organisation_slug: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  phone_number?: string | null;
}

function verificationHash(accountId: string, code: string): string {
  return hashToken(`${accountId}:${code}`);
}

/**
 * POST /api/public/accounts: opens an account in the organisation's territory and sends
 * a verification code (outbox event `usager_account`). A verified email, here or in
 * another territory, is taken: 409. An account still awaiting its code keeps the password
 * it was opened with: re-opening it sends a new code only with that same password (409
 * with another), else whoever re-opened it would own the account once the address's owner
 * types the code. Once its code expired, an unverified account is anyone's to open again.
 */
export async function openAccount(platform: Platform, body: AccountBody) {
  const organisation = await publicOrganisation(platform, body.organisation_slug);
  const now = platform.clock.now();
  const taken = () => AppError.conflict('An account already uses this email: sign in', [{ path: 'email', message: 'already has an account' }]);
  const awaiting = () => AppError.conflict(
    'An account at this email awaits its verification code: use the code sent, or open it again with the same password',
    [{ path: 'email', message: 'awaits its verification code' }]);
  // An unverified account whose code expired is forgotten: the address is anyone's to open again.
  await platform.db.systemStatement(
    `DELETE FROM usager_accounts WHERE lower(email) = lower($1) AND verified_at IS NULL AND verification_expires_at <= $2`, [body.email, now]);
  // The cheap refusals before the dear hash, read above row-level security (the email is unique platform-wide).
  const [pending] = await platform.db.systemStatement<{ password_hash: string; verified_at: Date | null }>(
    `SELECT password_hash, verified_at FROM usager_accounts WHERE lower(email) = lower($1)`, [body.email]);
  if (pending?.verified_at) throw taken();
  if (pending && !(await verifyPassword(body.password, pending.password_hash))) throw awaiting();
  const passwordHash = pending ? pending.password_hash : await hashPassword(body.password);
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + VERIFICATION_MS);
  return platform.db.tenant(organisation.territoryId, async () => {
    const [existing] = await tx().query(
      `SELECT id, verified_at, password_hash FROM usager_accounts WHERE lower(email) = lower($1) FOR UPDATE`, [body.email]);
    if (existing?.verified_at) throw taken();
    // Opened by another request since the check, or awaiting its code in another territory: its password stands.
    if (existing?.password_hash !== pending?.password_hash) throw awaiting();
    const id = existing?.id ?? crypto.randomUUID();
    try {
      await tx().query(
        `INSERT INTO usager_accounts (id, territory_id, email, password_hash, first_name, last_name, phone_number,
                                      verification_code_hash, verification_expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (id) DO UPDATE SET password_hash = EXCLUDED.password_hash, first_name = EXCLUDED.first_name,
            last_name = EXCLUDED.last_name, phone_number = EXCLUDED.phone_number, verification_code_hash = EXCLUDED.verification_code_hash,
            verification_expires_at = EXCLUDED.verification_expires_at, updated_at = EXCLUDED.updated_at`,
        [id, currentTerritoryId(), body.email, passwordHash, body.first_name, body.last_name, body.phone_number ?? null,
          verificationHash(id, code), expiresAt, now],
      );
    } catch (error) {
      // Another territory's account holds the email: its row is invisible here, the unique index is not.
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') throw taken();
      throw error;
    }
    await recordEvent('usager_account', 'created', {
      id, email: body.email, first_name: body.first_name, expires_at: expiresAt.toISOString(),
      secret: sealEventSecret(platform.config, 'usager_account', id, { code }),
    }, { organisationId: organisation.id });
    return { status: 'verification_pending', email: body.email };
  });
}

/** POST /api/public/accounts/verify {email, code}: 5 wrong codes pause it (429). */
export async function verifyAccount(platform: Platform, koa: Context, body: { email: string; code: string }) {
  const email = body.email.toLowerCase();
  return new AttemptCounter(platform, `account_verify:${email}`).guard(koa, () => platform.db.system(async () => {
    const [account] = await tx().query(
      `SELECT id, verified_at, verification_code_hash, verification_expires_at FROM usager_accounts WHERE lower(email) = $1 FOR UPDATE`, [email]);
    if (account?.verified_at) return { status: 'verified' };
    if (!account || account.verification_code_hash !== verificationHash(account.id, body.code)) {
      throw wrongGuess('code', 'This is not the code sent by email');
    }
    if (new Date(account.verification_expires_at) <= platform.clock.now()) {
      throw new AppError('gone', 'This code expired: open the account again to receive a new one');
    }
    await tx().query(
      `UPDATE usager_accounts SET verified_at = $2, verification_code_hash = NULL, verification_expires_at = NULL, updated_at = $2 WHERE id = $1`,
      [account.id, platform.clock.now()]);
    return { status: 'verified' };
  }));
}

/** POST /api/public/accounts/sign_in {email, password}: a bearer token for the usager routes; 5 wrong passwords pause it. */
export async function signInUsager(platform: Platform, koa: Context, body: { email: string; password: string }) {
  const email = body.email.toLowerCase();
  // Lone statements around the hash: no transaction (nor, embedded, the whole database) waits for it.
  return new AttemptCounter(platform, `account_sign_in:${email}`).guard(koa, async () => {
    const [account] = await platform.db.systemStatement<{ id: string; email: string; first_name: string; last_name: string; password_hash: string; verified_at: Date | null }>(
      `SELECT id, email, first_name, last_name, password_hash, verified_at FROM usager_accounts WHERE lower(email) = $1`, [email]);
    if (!account || !(await verifyPassword(body.password, account.password_hash))) {
      throw wrongGuess('password', 'Wrong email or password');
    }
    if (!account.verified_at) throw AppError.forbidden('Verify the account first with the code sent by email');
    const token = generateToken();
    await platform.db.systemStatement(`INSERT INTO usager_sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)`, [
      hashToken(token), account.id, new Date(platform.clock.now().getTime() + platform.config.sessionTtlHours * 3600_000),
    ]);
    return { token, account: { id: account.id, email: account.email, first_name: account.first_name, last_name: account.last_name } };
  });
}

/** The usager a bearer token signs in, null without an Authorization header; 401 for a bad or expired token. */
export async function signedInUsager(platform: Platform, koa: Context): Promise<SignedInUsager | null> {
  const header = koa.get('authorization');
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
  const [session] = match
    ? await platform.db.system(() => tx().query(
      `SELECT a.id, a.email, a.first_name, a.birth_name, to_char(a.birth_date, 'YYYY-MM-DD') AS birth_date, a.franceconnect_identity_at
         FROM usager_sessions s JOIN usager_accounts a ON a.id = s.account_id
        WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.verified_at IS NOT NULL`,
      [hashToken(match[1]), platform.clock.now()]))
    : [];
  if (!session) throw new AppError('unauthenticated', 'The usager session is unknown or expired: sign in again');
  const certified = session.franceconnect_identity_at
    ? { first_name: session.first_name, birth_name: session.birth_name, birth_date: session.birth_date }
    : null;
  return { accountId: session.id, email: session.email, certified };
}

/** The signed-in usager, or 401. */
export async function requireUsager(platform: Platform, koa: Context): Promise<SignedInUsager> {
  const usager = await signedInUsager(platform, koa);
  if (!usager) throw new AppError('unauthenticated', 'Sign in first: no bearer token');
  return usager;
}

/** Ends the usager's session; for one opened through FranceConnect, answers FranceConnect's sign-out URL. */
export async function signOutUsager(platform: Platform, koa: Context): Promise<{ end_session_url: string } | undefined> {
  const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(koa.get('authorization'))?.[1];
  if (!token || !(await signedInUsager(platform, koa))) throw new AppError('unauthenticated', 'Sign in first');
  const tokenHash = hashToken(token);
  const [ended] = await platform.db.systemStatement<{ franceconnect_id_token: string | null }>(
    `WITH ended AS (DELETE FROM usager_sessions WHERE token_hash = $1 RETURNING franceconnect_id_token) SELECT * FROM ended`, [tokenHash]);
  const idToken = franceConnectIdToken(platform, tokenHash, ended?.franceconnect_id_token ?? null);
  const url = idToken ? await oidcSignOutUrl(platform, 'franceconnect', idToken) : null;
  return url ? { end_session_url: url } : undefined;
}

/**
 * DELETE /api/public/me: the usager closes their account (its sessions with it; a
 * FranceConnect session ends there too). The fiches agents keep of them stay theirs.
 */
export async function deleteMyAccount(platform: Platform, koa: Context): Promise<{ end_session_url: string } | undefined> {
  const usager = await requireUsager(platform, koa);
  const signedOut = await signOutUsager(platform, koa);
  await platform.db.systemStatement(`DELETE FROM usager_accounts WHERE id = $1`, [usager.accountId]);
  return signedOut;
}

interface AccountRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  birth_name: string | null;
  birth_date: string | null;
  phone_number: string | null;
  has_password: boolean;
  franceconnect_identity_at: Date | null;
}

const ACCOUNT_COLUMNS = `id, email, first_name, last_name, birth_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, phone_number,
  password_hash IS NOT NULL AS has_password, franceconnect_identity_at`;

function accountJson(row: AccountRow) {
  return {
    id: row.id, email: row.email, first_name: row.first_name, last_name: row.last_name, birth_name: row.birth_name,
    birth_date: row.birth_date, phone_number: row.phone_number, has_password: row.has_password,
    franceconnect: row.franceconnect_identity_at !== null,
    /** What the usager cannot change by hand: FranceConnect certifies it. */
    certified_fields: row.franceconnect_identity_at ? [...CERTIFIED_FIELDS] : [],
  };
}

/** GET /api/public/me: the signed-in usager's account. */
export async function myAccount(platform: Platform, usager: SignedInUsager) {
  const [row] = await platform.db.systemStatement<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM usager_accounts WHERE id = $1`, [usager.accountId]);
  return accountJson(row);
}

export type AccountChanges = Partial<Record<'first_name' | 'last_name' | 'birth_name' | 'birth_date' | 'phone_number', string | null>>;

/** PATCH /api/public/me: the usager's own details; those FranceConnect certified are refused (422 with their paths), nothing written. */
export async function updateMyAccount(platform: Platform, usager: SignedInUsager, changes: AccountChanges) {
  if (usager.certified) {
    const refused = certifiedFieldErrors(usager.certified, changes);
    if (refused.length) throw AppError.invalid('FranceConnect certifies these details: they cannot be changed here', refused);
  }
  const fields = Object.keys(changes) as (keyof AccountChanges)[];
  if (!fields.length) throw AppError.invalid('The request body is empty: give the fields to change');
  const [row] = await platform.db.systemStatement<AccountRow>(
    `WITH changed AS (UPDATE usager_accounts SET ${fields.map((field, index) => `${field} = $${index + 2}`).join(', ')}, updated_at = now()
       WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}) SELECT * FROM changed`,
    [usager.accountId, ...fields.map((field) => changes[field] ?? null)]);
  return accountJson(row);
}

/**
 * GET /api/public/me/rdvs: the rdvs of every fiche bearing the account's email,
 * in every territory, newest first, as their recaps.
 */
export async function myRdvs(platform: Platform, usager: SignedInUsager) {
  const rows: { participation_id: string; territory_id: string }[] = await platform.db.system(() => tx().query(
    `SELECT p.id AS participation_id, p.territory_id FROM participations p
       JOIN users u ON u.id = p.user_id JOIN rdvs r ON r.id = p.rdv_id
      WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL AND r.status <> 'pending'
      ORDER BY r.starts_at DESC, p.id LIMIT $2`,
    [usager.email, MAX_LISTED_RDVS]));
  const now = platform.clock.now();
  const recaps = new Map<string, unknown>();
  for (const territoryId of new Set(rows.map((row) => row.territory_id))) {
    await platform.db.tenant(territoryId, async () => {
      const zone = await territoryTimeZone();
      for (const row of rows.filter((candidate) => candidate.territory_id === territoryId)) {
        recaps.set(row.participation_id, recapJson(await loadUsagerView(row.participation_id), zone, now));
      }
    });
  }
  return { data: rows.map((row) => recaps.get(row.participation_id)) };
}
