import { tx } from '../db/database';
import type { Platform } from '../platform';
import { ApiToken } from './auth.entity';
import { generateToken, hashToken } from './secrets';

/** Opens a session: a random bearer token, stored hashed, expiring after the configured TTL. */
export async function issueToken(platform: Platform, owner: { agentId?: string; platformAdminId?: string }): Promise<string> {
  const token = generateToken();
  const now = platform.clock.now();
  await tx().insert(ApiToken, {
    token_hash: hashToken(token),
    agent_id: owner.agentId ?? null,
    platform_admin_id: owner.platformAdminId ?? null,
    expires_at: new Date(now.getTime() + platform.config.sessionTtlHours * 3600_000),
    last_used_at: now,
  });
  return token;
}

export async function revokeToken(platform: Platform, token: string): Promise<void> {
  await tx().update(ApiToken, { token_hash: hashToken(token) }, { revoked_at: platform.clock.now() });
}

/** Closes every open session of an agent but `keep` (the one changing the password), or all of them. */
export async function revokeAgentSessions(platform: Platform, agentId: string, keep?: string): Promise<void> {
  await tx().query(
    `UPDATE api_tokens SET revoked_at = $2 WHERE agent_id = $1 AND revoked_at IS NULL AND token_hash IS DISTINCT FROM $3`,
    [agentId, platform.clock.now(), keep ? hashToken(keep) : null],
  );
}
