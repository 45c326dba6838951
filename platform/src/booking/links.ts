/**
 * Self-service links: the "Infos/Annulation" link of notifications, one per
 * usager and rdv. The token is random (128 bits: short enough for an SMS, far
 * too many to guess); only its hash is stored; it opens nothing without the
 * first letters of the usager's last name, and stops working a day after the
 * rdv ends.
 */
import crypto from 'node:crypto';
import { hashToken } from '../auth/secrets';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { normaliseForSearch } from '../usagers/search';
import { wrongGuess } from './attempts';
import { RdvLink } from './rdv.entity';

/** How long after the rdv's end its links still open the recap. */
export const LINK_GRACE_MS = 24 * 3600_000;
/** As many letters of the last name as the usager types (fewer when the name is shorter). */
export const PREFIX_LENGTH = 3;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/** The page an usager opens from a notification (the public portal's, served under /public). */
export function manageUrl(platform: Platform, token: string): string {
  return `${platform.config.publicUrl}/public/rdvs/${token}`;
}

/**
 * Issues a new link for the usager's participation, in the current tenant
 * transaction, and answers its URL. The notifications call it for each message
 * they send, so that the token is never stored in clear.
 */
export async function issueRdvLink(platform: Platform, participationId: string): Promise<string> {
  const token = crypto.randomBytes(16).toString('base64url');
  await tx().insert(RdvLink, { token_hash: hashToken(token), territory_id: currentTerritoryId(), participation_id: participationId, created_at: platform.clock.now() });
  return manageUrl(platform, token);
}

export interface ResolvedLink {
  tokenHash: string;
  territoryId: string;
  participationId: string;
}

/** The link's participation, looked up above row-level security (the territory is not known yet); 404 if unknown. */
export async function resolveLink(platform: Platform, token: string): Promise<ResolvedLink> {
  if (!TOKEN_PATTERN.test(token)) throw AppError.notFound('Rdv');
  const tokenHash = hashToken(token);
  const [link] = await platform.db.system(() => tx().query(`SELECT territory_id, participation_id FROM rdv_links WHERE token_hash = $1`, [tokenHash]));
  if (!link) throw AppError.notFound('Rdv');
  return { tokenHash, territoryId: link.territory_id, participationId: link.participation_id };
}

/** Letters only, lower case, no accents: "Le Gall", "le-gall" and "LEGALL" are the same. */
function lettersOf(text: string): string {
  return normaliseForSearch(text).replace(/[^\p{L}]/gu, '');
}

/** Refuses (as a counted wrong guess) letters that are not the start of the last name. */
export function checkLastNamePrefix(lastName: string, typed: string | undefined): void {
  const expected = lettersOf(lastName).slice(0, PREFIX_LENGTH);
  const given = lettersOf(typed ?? '').slice(0, PREFIX_LENGTH);
  if (expected.length === 0 || given !== expected) {
    throw wrongGuess('last_name_prefix', `Type the first ${PREFIX_LENGTH} letters of the usager's last name`);
  }
}
