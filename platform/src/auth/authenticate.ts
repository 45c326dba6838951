import type { Context } from 'koa';
import { Actor } from '../agents/actor';
import { AccessLevel } from '../agents/agent.entity';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { hashToken } from './secrets';

const LAST_SEEN_PRECISION_MS = 60 * 60 * 1000;
/** A session's last use is written at most once a minute: the idle timeout tolerates that much. */
const LAST_USED_PRECISION_MS = 60 * 1000;

export function bearerToken(ctx: Context): string {
  const header = ctx.get('authorization');
  const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (!match) throw new AppError('unauthenticated', header ? 'The Authorization header is not a valid bearer token' : 'Sign in first: no bearer token');
  return match[1];
}

interface TokenRow {
  agent_id: string | null;
  platform_admin_id: string | null;
  token_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date;
  territory_id: string | null;
  territorial_admin: boolean | null;
  last_seen_at: Date | null;
  territory_organisation_ids: string[] | null;
  roles: { organisation_id: string; access_level: AccessLevel }[] | null;
  services: string[] | null;
}

/** Resolves the bearer token to an actor, above row-level security (the territory is not known yet). */
export async function authenticate(platform: Platform, token: string): Promise<Actor> {
  const now = platform.clock.now();
  const rows = await platform.db.systemStatement<TokenRow>(
    `SELECT t.id AS token_id, t.agent_id, t.platform_admin_id, t.expires_at, t.revoked_at, t.last_used_at,
            a.territory_id, a.territorial_admin, a.last_seen_at,
            CASE WHEN a.territorial_admin THEN
              (SELECT json_agg(o.id) FROM organisations o WHERE o.territory_id = a.territory_id) END AS territory_organisation_ids,
            (SELECT json_agg(json_build_object('organisation_id', r.organisation_id, 'access_level', r.access_level))
               FROM agent_roles r WHERE r.agent_id = a.id) AS roles,
            (SELECT json_agg(s.service_slug) FROM agent_services s WHERE s.agent_id = a.id) AS services
       FROM api_tokens t
       LEFT JOIN agents a ON a.id = t.agent_id AND a.deleted_at IS NULL
      WHERE t.token_hash = $1`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row || row.revoked_at) throw new AppError('unauthenticated', 'The token is unknown or was revoked');
  if (new Date(row.expires_at) <= now) throw new AppError('unauthenticated', 'The session has expired: sign in again');
  if (row.platform_admin_id) return { kind: 'platform_admin', adminId: row.platform_admin_id };
  if (!row.territory_id || !row.agent_id) throw new AppError('unauthenticated', 'The agent no longer exists');
  // An agent's session left open on a shared counter computer ends after a while unused.
  const idleMs = now.getTime() - new Date(row.last_used_at).getTime();
  if (idleMs > platform.config.sessionIdleMinutes * 60_000) {
    throw new AppError('unauthenticated', `The session has expired after ${platform.config.sessionIdleMinutes} minutes without use: sign in again`);
  }
  if (idleMs > LAST_USED_PRECISION_MS) {
    await platform.db.systemStatement(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, [row.token_id, now]);
  }
  if (!row.last_seen_at || now.getTime() - new Date(row.last_seen_at).getTime() > LAST_SEEN_PRECISION_MS) {
    await platform.db.systemStatement(`UPDATE agents SET last_seen_at = $2 WHERE id = $1`, [row.agent_id, now]);
  }
  return {
    kind: 'agent',
    agentId: row.agent_id,
    territoryId: row.territory_id,
    territorialAdmin: Boolean(row.territorial_admin),
    territoryOrganisationIds: new Set(row.territory_organisation_ids ?? []),
    roles: new Map((row.roles ?? []).map((r) => [r.organisation_id, r.access_level])),
    services: new Set(row.services ?? []),
  };
}
