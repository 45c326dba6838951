import { checkPasswordAllowed, PROCONNECT_REQUIRED_FOR_INVITATION } from '../auth/proconnect';
import { generateToken, hashToken } from '../auth/secrets';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { plainEmail } from '../notifications/code-emails';
import { platformMail } from '../notifications/mail';
import type { Platform } from '../platform';
import { isUuid } from '../http/ids';
import { route } from '../http/route';
import { requireOrganisationAdmin } from '../organisations/policy';
import { Invitation } from './agent.entity';
import { loadAgentJson, loadAgents } from './agents';

export const INVITATION_TTL_MS = 48 * 3600 * 1000;

export interface Invitee {
  id: string;
  email: string;
}

/**
 * Invites an agent to choose their password. The link goes to the agent's own
 * address and nowhere else: whoever invites may not be the agent (an admin who
 * types the email of a colleague not signed up yet must not get their account).
 * The agent's earlier invitations stop working, so only the newest link opens.
 * Sent within the caller's transaction: an email that cannot be sent leaves no invitation.
 */
export async function sendInvitation(platform: Platform, invitee: Invitee, organisationName: string, invitedBy: string | null): Promise<void> {
  const token = generateToken();
  const now = platform.clock.now();
  await tx().query(`DELETE FROM invitations WHERE agent_id = $1 AND accepted_at IS NULL`, [invitee.id]);
  await tx().insert(Invitation, {
    territory_id: currentTerritoryId(),
    agent_id: invitee.id,
    token_hash: hashToken(token),
    invited_by_agent_id: invitedBy,
    expires_at: new Date(now.getTime() + INVITATION_TTL_MS),
    // "Sent on" as the admins read it: the platform's time, not the database's.
    created_at: now,
  });
  await platformMail(platform).send(plainEmail(
    platform,
    invitee.email,
    organisationName,
    `Invitation à rejoindre ${organisationName}`,
    [
      `Vous êtes invité(e) à rejoindre l'espace des agents de ${organisationName}.`,
      `Choisissez votre mot de passe avec le lien ci-dessous, valable ${INVITATION_TTL_MS / 3_600_000} heures.`,
      "Si vous n'attendiez pas cette invitation, ignorez cet e-mail.",
    ],
    { label: 'Choisir mon mot de passe', url: `${platform.config.publicUrl}/admin/invitations/${token}` },
  ));
}

interface InvitationState {
  id: string;
  agent_id: string;
  territory_id: string;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  has_password: boolean;
}

const INVITATION_STATE = `
  SELECT i.id, i.agent_id, i.expires_at, i.accepted_at, i.revoked_at, a.territory_id, a.password_hash IS NOT NULL AS has_password
    FROM invitations i JOIN agents a ON a.id = i.agent_id AND a.deleted_at IS NULL
   WHERE i.token_hash = $1`;

/** An invitation that can still be accepted; else 404 (unknown), 409 (used) or 410 (withdrawn, expired). */
function usable(platform: Platform, invitation: InvitationState | undefined): InvitationState {
  if (!invitation) throw AppError.notFound('Invitation');
  if (invitation.accepted_at || invitation.has_password) throw AppError.conflict('This invitation was already used: sign in instead');
  if (invitation.revoked_at) throw new AppError('gone', 'This invitation was withdrawn: ask for a new one');
  if (new Date(invitation.expires_at) <= platform.clock.now()) throw new AppError('gone', 'This invitation has expired: ask for a new one');
  return invitation;
}

/**
 * Refuses an invitation that cannot be accepted before its password is hashed (the dear
 * part); in a territory requiring ProConnect, signing in with it accepts the invitation (403).
 */
export async function checkInvitation(platform: Platform, token: string): Promise<void> {
  const [invitation] = await platform.db.systemStatement<InvitationState>(INVITATION_STATE, [hashToken(token)]);
  await checkPasswordAllowed(platform, usable(platform, invitation).territory_id, PROCONNECT_REQUIRED_FOR_INVITATION);
}

/** Sets the password once: an expired invitation is gone, a used one is refused. */
export async function acceptInvitation(platform: Platform, token: string, passwordHash: string): Promise<{ id: string; territory_id: string }> {
  return platform.db.system(async () => {
    const [found] = await tx().query(`${INVITATION_STATE} FOR UPDATE OF i`, [hashToken(token)]);
    const invitation = usable(platform, found);
    await tx().query(`UPDATE invitations SET accepted_at = $2 WHERE id = $1`, [invitation.id, platform.clock.now()]);
    await tx().query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [invitation.agent_id, passwordHash]);
    return { id: invitation.agent_id, territory_id: invitation.territory_id };
  });
}

/** An agent of the organisation still to choose a password, whose invitation an admin of it handles. */
async function invitedAgent(organisationId: string, agentId: string): Promise<{ id: string; email: string }> {
  const [agent] = isUuid(agentId)
    ? await loadAgents('a.id = $1 AND EXISTS (SELECT 1 FROM agent_roles r WHERE r.agent_id = a.id AND r.organisation_id = $2)', [agentId, organisationId])
    : [];
  if (!agent) throw AppError.notFound('Agent');
  if (!agent.email) throw AppError.conflict('An intervenant has no login: there is no invitation to send');
  if (agent.has_password) throw AppError.conflict('This agent already chose a password: there is no invitation to send');
  return { id: agent.id, email: agent.email };
}

/** What the inviter sees of the agent: this organisation's role only, as when inviting. */
async function agentInOrganisation(platform: Platform, agentId: string, organisationId: string) {
  const json = await loadAgentJson(agentId, platform.clock.now());
  return { ...json, roles: json.roles.filter((role) => role.organisation_id === organisationId) };
}

export const invitationRoutes = [
  route({
    method: 'post', path: '/api/v1/organisations/:org/agents/:id/invitation', tag: 'agents', access: 'agent',
    summary: 'Send the invitation again (a new link by email; earlier links stop working)',
    async handle({ actor, params, platform }) {
      requireOrganisationAdmin(actor, params.org);
      const agent = await invitedAgent(params.org, params.id);
      const [organisation] = await tx().query(`SELECT name FROM organisations WHERE id = $1`, [params.org]);
      await sendInvitation(platform, agent, organisation.name, actor.agentId);
      return agentInOrganisation(platform, agent.id, params.org);
    },
  }),
  route({
    method: 'delete', path: '/api/v1/organisations/:org/agents/:id/invitation', tag: 'agents', access: 'agent',
    summary: 'Withdraw the invitation: its link stops working; the agent stays listed until removed or invited again',
    async handle({ actor, params, platform }) {
      requireOrganisationAdmin(actor, params.org);
      const agent = await invitedAgent(params.org, params.id);
      await tx().query(`UPDATE invitations SET revoked_at = $2 WHERE agent_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`,
        [agent.id, platform.clock.now()]);
      return agentInOrganisation(platform, agent.id, params.org);
    },
  }),
];
