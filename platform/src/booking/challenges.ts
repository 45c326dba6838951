/**
 * A proof of work past a threshold on public booking (issue 13): when a network has
 * booked much within the hour, or an organisation has many bookings awaiting their
 * code (a flood, or a rush), a booking is answered 428 with a challenge (ALTCHA,
 * SHA-256) that the public portal solves in a few hundred milliseconds and sends
 * back in the Proof-Of-Work header. Below the threshold nothing changes; each
 * proof is accepted once (spent_challenges), within CHALLENGE_TTL_MS.
 */
import crypto from 'node:crypto';
import { createChallenge, verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { hashToken } from '../auth/secrets';
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { ApiRequest } from '../http/route';
import type { Platform } from '../platform';
import { secretBoxFor } from '../plugins/secrets';

export const PROOF_HEADER = 'Proof-Of-Work';
/** Bookings (held or made) from one network within the hour past which each is challenged. */
export const CHALLENGE_NETWORK_HOLDS_PER_HOUR = 5;
/** Bookings awaiting their code in an organisation past which each is challenged (shorter holds start at 50). */
export const CHALLENGE_ORGANISATION_PENDING_HOLDS = 20;
/** How long a challenge may be solved and used. */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** The counter to find lies in this range: tens of thousands of SHA-256 in a browser, a few hundred milliseconds. */
const COUNTER_RANGE: [number, number] = [5_000, 30_000];

function keys(platform: Platform) {
  const box = secretBoxFor(platform.config);
  return { hmacSignatureSecret: box.subkey('booking-challenge'), hmacKeySignatureSecret: box.subkey('booking-challenge-key') };
}

/**
 * A fresh challenge. Its expiry is wall-clock time, as the library checks it: a
 * challenge's life is the browser's few seconds, not a date of the agenda.
 */
export async function issueChallenge(platform: Platform): Promise<Challenge> {
  return createChallenge({
    algorithm: 'SHA-256', cost: 1, deriveKey, counter: crypto.randomInt(...COUNTER_RANGE),
    expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS), ...keys(platform),
  });
}

/** Whether the header's proof solves one of our challenges, not expired, never used before; spends it. */
async function spendProof(platform: Platform, header: string): Promise<boolean> {
  let proof: { challenge: Challenge; solution: Solution };
  try {
    proof = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    if (typeof proof?.challenge?.signature !== 'string' || typeof proof.solution?.derivedKey !== 'string') return false;
  } catch {
    return false;
  }
  const result = await verifySolution({ challenge: proof.challenge, solution: proof.solution, deriveKey, ...keys(platform) }).catch(() => null);
  if (!result?.verified) return false;
  const spent = await platform.db.system(() => tx().query(
    `INSERT INTO spent_challenges (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [hashToken(proof.challenge.signature!), new Date((proof.challenge.parameters.expiresAt ?? 0) * 1000)]));
  return spent.length === 1;
}

/** Whether the booking's network, or its organisation, is past the threshold. */
async function underPressure(platform: Platform, organisationId: string, network: string | null): Promise<boolean> {
  const now = platform.clock.now();
  const [row] = await platform.db.system(() => tx().query(
    `SELECT (SELECT count(*)::int FROM rdv_holds WHERE $3::text IS NOT NULL AND client_network = $3 AND created_at > $4) AS network,
            (SELECT count(*)::int FROM rdv_holds h JOIN rdvs r ON r.id = h.rdv_id
              WHERE r.organisation_id = $1 AND h.confirmed_at IS NULL AND h.expires_at > $2) AS organisation`,
    [organisationId, now, network, new Date(now.getTime() - 3_600_000)]));
  return row.network >= CHALLENGE_NETWORK_HOLDS_PER_HOUR || row.organisation >= CHALLENGE_ORGANISATION_PENDING_HOLDS;
}

/**
 * Lets a public booking through, or answers 428 with a challenge to solve: under
 * pressure, unless it carries a proof never used. A wrong, expired or replayed proof
 * gets a new challenge, and nothing is booked.
 */
export async function passChallengeGate(request: ApiRequest<'public'>, organisationId: string, network: string | null): Promise<void> {
  const { platform, koa } = request;
  if (!(await underPressure(platform, organisationId, network))) return;
  const header = koa.get(PROOF_HEADER);
  if (header && (await spendProof(platform, header))) return;
  throw new AppError('challenged',
    header ? 'The proof of work does not solve a challenge, or was already used: solve this one' : 'Many bookings at once: solve this challenge, then book again with its proof',
    header ? [{ path: PROOF_HEADER, message: 'does not solve a challenge, expired or was already used' }] : [],
    undefined,
    { challenge: await issueChallenge(platform), proof_header: PROOF_HEADER });
}
