/**
 * An agent's optional second factor (issue 13): a TOTP app (RFC 6238, otpauth) enrolled
 * from « Mon compte » with a QR code and confirmed by a first code, then asked for at
 * sign-in after the password; ten one-time recovery codes stand in for a lost phone.
 * The secret is sealed with the instance's secret box, recovery codes are stored
 * hashed, and a code is accepted once (the last time step accepted is kept).
 */
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { AttemptCounter, countedAsWrongGuess, wrongGuess } from '../booking/attempts';
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { secretBoxFor } from '../plugins/secrets';
import { hashToken, verifyPassword } from './secrets';

const ISSUER = 'Lapin';
/** A code of the step before or after is accepted too (a phone's clock a little off). */
const WINDOW_STEPS = 1;
const RECOVERY_CODES = 10;
/** How long the half-signed-in state lasts between the password and the code. */
const SECOND_STEP_TTL_MS = 5 * 60_000;
/** Wrong codes of an account: only a right code forgets them (a right password does not). */
const CODE_LIMITS = { maxFailures: 10, pauseMs: 15 * 60_000 };

interface FactorRow {
  email: string;
  password_hash: string | null;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_enabled_at: Date | null;
  totp_recovery_hashes: string[];
}

const place = (agentId: string, pending: boolean) => `agent_totp${pending ? '_pending' : ''}:${agentId}`;

/** The agent's factor, read in the request's transaction (`inTransaction`) or alone, outside any. */
async function factorRow(platform: Platform, agentId: string, inTransaction = false): Promise<FactorRow> {
  const sql = `SELECT email, password_hash, totp_secret, totp_pending_secret, totp_enabled_at, totp_recovery_hashes FROM agents WHERE id = $1`;
  const [row] = inTransaction ? await tx().query(sql, [agentId]) as FactorRow[] : await platform.db.systemStatement<FactorRow>(sql, [agentId]);
  if (!row) throw AppError.notFound('Agent');
  return row;
}

/** The counter of an account's wrong codes (sign-in, confirmation, disabling). */
function codeCounter(platform: Platform, agentId: string): AttemptCounter {
  return new AttemptCounter(platform, `second_factor:${agentId}`, CODE_LIMITS);
}

/** `abcd-efgh`: about 40 random bits (8 letters or digits), easy to copy; compared lowercased without spaces or dashes. */
function recoveryCode(): string {
  const letters = crypto.randomBytes(8).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 8);
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

function recoveryHash(code: string): string {
  return hashToken(`recovery:${code.toLowerCase().replace(/[\s-]/g, '')}`);
}

/** The time step of `code` for `secret` (base32) now, if it is right. */
function matchingStep(platform: Platform, secret: string, code: string): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const timestamp = platform.clock.now().getTime();
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), timestamp, window: WINDOW_STEPS });
  return delta === null ? null : TOTP.counter({ timestamp }) + delta;
}

/** Whether the agent's TOTP is on, since when, and how many recovery codes are left. */
export async function secondFactorStatus(platform: Platform, agentId: string) {
  const row = await factorRow(platform, agentId, true);
  return {
    enabled: row.totp_enabled_at !== null,
    enabled_at: row.totp_enabled_at ? new Date(row.totp_enabled_at).toISOString() : null,
    recovery_codes_left: row.totp_enabled_at ? row.totp_recovery_hashes.length : 0,
  };
}

/** A new secret awaiting its first code: shown once as a QR code and as text. */
export async function startEnrolment(platform: Platform, agentId: string) {
  const row = await factorRow(platform, agentId, true);
  if (row.totp_enabled_at) throw AppError.conflict('The application code is already on: turn it off first');
  const secret = new Secret({ size: 20 }).base32;
  await tx().query(`UPDATE agents SET totp_pending_secret = $2 WHERE id = $1`, [agentId, secretBoxFor(platform.config).seal(secret, place(agentId, true))]);
  const otpauthUrl = new TOTP({ issuer: ISSUER, label: row.email, secret: Secret.fromBase32(secret) }).toString();
  return { secret, otpauth_url: otpauthUrl, qr_code: await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2 }) };
}

/** The first code confirms the pending secret: TOTP is on, and the recovery codes are answered once. */
export async function confirmEnrolment(platform: Platform, koa: Context, agentId: string, code: string) {
  return codeCounter(platform, agentId).guard(koa, async () => {
    const row = await factorRow(platform, agentId);
    if (row.totp_enabled_at) throw AppError.conflict('The application code is already on');
    if (!row.totp_pending_secret) throw AppError.conflict('Start again: no code is awaited');
    const box = secretBoxFor(platform.config);
    const secret = box.open(row.totp_pending_secret, place(agentId, true));
    const step = matchingStep(platform, secret, code);
    if (step === null) throw wrongGuess('code', 'This is not the code your application shows');
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await platform.db.systemStatement(
      `UPDATE agents SET totp_secret = $2, totp_pending_secret = NULL, totp_enabled_at = $3, totp_last_step = $4, totp_recovery_hashes = $5, updated_at = now()
        WHERE id = $1`,
      [agentId, box.seal(secret, place(agentId, false)), platform.clock.now(), step, codes.map(recoveryHash)]);
    return { recovery_codes: codes };
  });
}

/**
 * Whether `code` is the agent's current TOTP code, never accepted before, or one of
 * their recovery codes (used up). Atomic: two requests never accept the same code.
 */
async function acceptCode(platform: Platform, agentId: string, row: FactorRow, code: string): Promise<boolean> {
  const secret = secretBoxFor(platform.config).open(row.totp_secret!, place(agentId, false));
  const step = matchingStep(platform, secret, code.trim());
  // (An UPDATE's own RETURNING comes back with its row count from TypeORM: counted in a SELECT instead.)
  const [{ accepted }] = step !== null
    ? await platform.db.systemStatement<{ accepted: number }>(
      `WITH taken AS (UPDATE agents SET totp_last_step = $2 WHERE id = $1 AND coalesce(totp_last_step, -1) < $2 RETURNING id)
       SELECT count(*)::int AS accepted FROM taken`, [agentId, step])
    : await platform.db.systemStatement<{ accepted: number }>(
      `WITH used AS (UPDATE agents SET totp_recovery_hashes = array_remove(totp_recovery_hashes, $2)
                      WHERE id = $1 AND $2 = ANY(totp_recovery_hashes) RETURNING id)
       SELECT count(*)::int AS accepted FROM used`, [agentId, recoveryHash(code)]);
  return accepted === 1;
}

/** Turns TOTP off once the password and a code (or a recovery code) prove it is the agent. */
export async function disableSecondFactor(platform: Platform, koa: Context, agentId: string, body: { password: string; code: string }): Promise<void> {
  await codeCounter(platform, agentId).guard(koa, async () => {
    const row = await factorRow(platform, agentId);
    if (!row.totp_enabled_at) throw AppError.conflict('The application code is not on');
    if (!(await verifyPassword(body.password, row.password_hash))) {
      throw countedAsWrongGuess(AppError.invalidField('password', 'is not your password'));
    }
    if (!(await acceptCode(platform, agentId, row, body.code))) throw wrongGuess('code', 'This code is wrong or was already used');
    await platform.db.systemStatement(
      `UPDATE agents SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
              totp_recovery_hashes = '{}', updated_at = now() WHERE id = $1`, [agentId]);
  });
}

function stepSignature(platform: Platform, payload: string): string {
  return crypto.createHmac('sha256', secretBoxFor(platform.config).subkey('sign-in-second-step')).update(payload).digest('base64url');
}

/**
 * The half-signed-in state, answered instead of a session to an agent with an
 * application code (sign-in, password link): a signed token naming the agent, valid
 * SECOND_STEP_TTL_MS, that only the second step reads; every other route refuses it.
 */
export function secondStepAnswer(platform: Platform, agentId: string) {
  const expiresAt = new Date(platform.clock.now().getTime() + SECOND_STEP_TTL_MS);
  const payload = `${agentId}.${expiresAt.getTime()}`;
  const token = `${Buffer.from(payload).toString('base64url')}.${stepSignature(platform, payload)}`;
  return { second_factor: 'totp' as const, second_factor_token: token, expires_at: expiresAt.toISOString() };
}

/** The agent a second-step token names, while it is valid; 401 otherwise. */
export function agentOfSecondStep(platform: Platform, token: string): string {
  const [encoded, signature] = token.split('.');
  const payload = Buffer.from(encoded ?? '', 'base64url').toString('utf8');
  const expected = stepSignature(platform, payload);
  const [agentId, expiresAt] = payload.split('.');
  if (!signature || signature.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new AppError('unauthenticated', 'Sign in again: this sign-in step is unknown');
  }
  if (Number(expiresAt) <= platform.clock.now().getTime()) throw new AppError('unauthenticated', 'Sign in again: the code was awaited for too long');
  return agentId;
}

/** The second step of a sign-in: the agent's code (or a recovery code), counted as a guess when wrong. */
export async function checkSecondStep(platform: Platform, koa: Context, agentId: string, code: string): Promise<void> {
  await codeCounter(platform, agentId).guard(koa, async () => {
    const row = await factorRow(platform, agentId);
    if (!row.totp_enabled_at || !(await acceptCode(platform, agentId, row, code))) {
      throw wrongGuess('code', 'This code is wrong or was already used');
    }
  });
}
