/**
 * Agents signing in through ProConnect (issue 19). ProConnect names a person by email:
 * an active agent with that email is signed in (an invitation still pending is accepted
 * by it, the names ProConnect gives fill those still empty); an unknown email is refused
 * and no account is created.
 *
 * The application code (TOTP) is not asked after ProConnect: the sign-in is then the
 * agent's administration's, made under its identity provider's own policy (which sets its
 * factors), and a territory that wants that policy for its agents requires ProConnect
 * rather than passwords. The code keeps guarding the password path.
 */
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { finishOidcSignIn, isConfigured, OidcCallback } from './oidc';

/** The refusal of an email with no agent account; the UI says it as the reference does, with the email. */
export const UNKNOWN_AGENT = 'No agent account has this email: use ProConnect with the email your invitation was sent to';
export const PROCONNECT_REQUIRED = 'Your territory asks its agents to sign in with ProConnect';
/** An invitation there is accepted by signing in with ProConnect, not by choosing a password. */
export const PROCONNECT_REQUIRED_FOR_INVITATION = 'Your territory asks its agents to sign in with ProConnect: sign in with ProConnect to accept this invitation';

interface MatchingAgent {
  id: string;
  territory_id: string;
  has_password: boolean;
  joined: boolean;
  pending_invitation_id: string | null;
}

/** The agent ProConnect signed in, with the id token that will end ProConnect's session at sign-out. */
export async function proConnectAgent(platform: Platform, callback: OidcCallback): Promise<{ agentId: string; territoryId: string; idToken: string }> {
  const { claims, idToken } = await finishOidcSignIn(platform, 'proconnect', callback);
  const email = typeof claims.email === 'string' ? claims.email : '';
  const agent = await platform.db.system(async () => {
    const [found]: MatchingAgent[] = await tx().query(
      `SELECT a.id, a.territory_id, a.password_hash IS NOT NULL AS has_password,
              EXISTS (SELECT 1 FROM invitations i WHERE i.agent_id = a.id AND i.accepted_at IS NOT NULL) AS joined,
              (SELECT i.id FROM invitations i WHERE i.agent_id = a.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                ORDER BY i.created_at DESC LIMIT 1) AS pending_invitation_id
         FROM agents a WHERE lower(a.email) = lower($1) AND a.deleted_at IS NULL`, [email]);
    // An invited agent whose invitation was withdrawn is not (or no longer) one of the team.
    if (!email || !found || !(found.has_password || found.joined || found.pending_invitation_id)) return null;
    if (found.pending_invitation_id && !found.has_password) {
      await tx().query(`UPDATE invitations SET accepted_at = $2 WHERE id = $1`, [found.pending_invitation_id, platform.clock.now()]);
    }
    await tx().query(
      `UPDATE agents SET first_name = coalesce(first_name, $2), last_name = coalesce(last_name, $3), updated_at = now() WHERE id = $1`,
      [found.id, stringClaim(claims.given_name), stringClaim(claims.usual_name)]);
    return found;
  });
  if (!agent) throw new AppError('unauthenticated', UNKNOWN_AGENT, [], undefined, { email });
  return { agentId: agent.id, territoryId: agent.territory_id, idToken };
}

const stringClaim = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : null);

/**
 * Refuses a password of an agent whose territory requires ProConnect (while the instance
 * offers it): to sign in, and to choose one (a reset link, an invitation), which would
 * open a password session.
 */
export async function checkPasswordAllowed(platform: Platform, territoryId: string, message = PROCONNECT_REQUIRED): Promise<void> {
  if (!isConfigured(platform, 'proconnect')) return;
  const [territory] = await platform.db.systemStatement<{ proconnect_required: boolean }>(
    `SELECT proconnect_required FROM territories WHERE id = $1`, [territoryId]);
  if (territory?.proconnect_required) throw AppError.forbidden(message);
}
