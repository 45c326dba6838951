import { generateToken, hashToken } from '../auth/secrets';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { Invitation } from './agent.entity';

export const INVITATION_TTL_MS = 48 * 3600 * 1000;

/** Creates the invitation and answers its link, so the inviter can pass it on if the email does not arrive. */
export async function createInvitation(platform: Platform, agentId: string, invitedBy: string | null): Promise<string> {
  const token = generateToken();
  await tx().insert(Invitation, {
    territory_id: currentTerritoryId(),
    agent_id: agentId,
    token_hash: hashToken(token),
    invited_by_agent_id: invitedBy,
    expires_at: new Date(platform.clock.now().getTime() + INVITATION_TTL_MS),
  });
  return `${platform.config.publicUrl}/admin/invitations/${token}`;
}

/** Sets the password once: an expired invitation is gone, a used one is refused. */
export async function acceptInvitation(platform: Platform, token: string, passwordHash: string): Promise<{ id: string; territory_id: string }> {
  return platform.db.system(async () => {
    const [invitation] = await tx().query(
      `SELECT i.id, i.agent_id, i.expires_at, i.accepted_at, a.territory_id, a.password_hash IS NOT NULL AS has_password
         FROM invitations i JOIN agents a ON a.id = i.agent_id AND a.deleted_at IS NULL
        WHERE i.token_hash = $1 FOR UPDATE OF i`,
      [hashToken(token)],
    );
    if (!invitation) throw AppError.notFound('Invitation');
    if (invitation.accepted_at || invitation.has_password) throw AppError.conflict('This invitation was already used: sign in instead');
    if (new Date(invitation.expires_at) <= platform.clock.now()) throw new AppError('gone', 'This invitation has expired: ask for a new one');
    await tx().query(`UPDATE invitations SET accepted_at = $2 WHERE id = $1`, [invitation.id, platform.clock.now()]);
    await tx().query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [invitation.agent_id, passwordHash]);
    return { id: invitation.agent_id, territory_id: invitation.territory_id };
  });
}
