import { tx } from '../db/database';
import type { Platform } from '../platform';
import { ApiToken } from './auth.entity';
import { generateToken, hashToken } from './secrets';

/** Opens a session: a random bearer token, stored hashed, expiring after the configured TTL. */
export async function issueToken(platform: Platform, owner: { agentId?: string; platformAdminId?: string }): Promise<string> {
  const token = generateToken();
  await tx().insert(ApiToken, {
    token_hash: hashToken(token),
    agent_id: owner.agentId ?? null,
    platform_admin_id: owner.platformAdminId ?? null,
    expires_at: new Date(platform.clock.now().getTime() + platform.config.sessionTtlHours * 3600_000),
  });
  return token;
}

export async function revokeToken(platform: Platform, token: string): Promise<void> {
  await tx().update(ApiToken, { token_hash: hashToken(token) }, { revoked_at: platform.clock.now() });
}
