import { tx } from '../db/database';
import type { Platform } from '../platform';
import { secretBoxFor } from '../plugins/secrets';
import { ApiToken } from './auth.entity';
import { generateToken, hashToken } from './secrets';

const idTokenPlace = (tokenHash: string) => `proconnect_id_token:${tokenHash}`;

/**
 * Opens a session: a random bearer token, stored hashed, expiring after the configured TTL.
 * One opened through ProConnect keeps its id token, sealed, to end ProConnect's session at sign-out.
 */
export async function issueToken(
  platform: Platform, owner: { agentId?: string; platformAdminId?: string; proconnectIdToken?: string },
): Promise<string> {
  const token = generateToken();
  const tokenHash = hashToken(token);
  const now = platform.clock.now();
  await tx().insert(ApiToken, {
    token_hash: tokenHash,
    proconnect_id_token: owner.proconnectIdToken ? secretBoxFor(platform.config).seal(owner.proconnectIdToken, idTokenPlace(tokenHash)) : null,
    agent_id: owner.agentId ?? null,
    platform_admin_id: owner.platformAdminId ?? null,
    expires_at: new Date(now.getTime() + platform.config.sessionTtlHours * 3600_000),
    last_used_at: now,
  });
  return token;
}

/** Closes the session; answers the id token of one opened through ProConnect (to end ProConnect's session too). */
export async function revokeToken(platform: Platform, token: string): Promise<{ proconnectIdToken: string | null }> {
  const tokenHash = hashToken(token);
  const [session]: { proconnect_id_token: string | null }[] = await tx().query(
    `WITH revoked AS (UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL RETURNING proconnect_id_token)
     SELECT proconnect_id_token FROM revoked`,
    [tokenHash, platform.clock.now()]);
  const sealed = session?.proconnect_id_token;
  return { proconnectIdToken: sealed ? secretBoxFor(platform.config).open(sealed, idTokenPlace(tokenHash)) : null };
}

/** Closes every open session of an agent but `keep` (the one changing the password), or all of them. */
export async function revokeAgentSessions(platform: Platform, agentId: string, keep?: string): Promise<void> {
  await tx().query(
    `UPDATE api_tokens SET revoked_at = $2 WHERE agent_id = $1 AND revoked_at IS NULL AND token_hash IS DISTINCT FROM $3`,
    [agentId, platform.clock.now(), keep ? hashToken(keep) : null],
  );
}
