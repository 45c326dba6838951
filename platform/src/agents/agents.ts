import crypto from 'node:crypto';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { AgentActor, isOrganisationAdmin, seesWholeOrganisation, sharesAService } from './actor';
import { AccessLevel } from './agent.entity';

const INACTIVE_AFTER_MS = 30 * 24 * 3600 * 1000;

export function randomCalendarUid(): string {
  return crypto.randomBytes(18).toString('base64url');
}

export interface AgentRow {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  territorial_admin: boolean;
  last_seen_at: Date | null;
  created_at: Date;
  has_password: boolean;
  invitation_pending: boolean;
  /** The newest invitation not accepted, of an agent with no password yet. */
  invitation: { sent_at: string; expires_at: string; revoked_at: string | null } | null;
  roles: { organisation_id: string; access_level: AccessLevel }[];
  service_ids: string[];
}

/** Agents with their roles and services, in one query. */
export async function loadAgents(where: string, parameters: unknown[]): Promise<AgentRow[]> {
  return tx().query(
    `SELECT a.id, a.email, a.first_name, a.last_name, a.territorial_admin, a.last_seen_at, a.created_at,
            a.password_hash IS NOT NULL AS has_password,
            EXISTS (SELECT 1 FROM invitations i WHERE i.agent_id = a.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL) AND a.password_hash IS NULL AS invitation_pending,
            CASE WHEN a.password_hash IS NULL THEN
              (SELECT json_build_object('sent_at', i.created_at, 'expires_at', i.expires_at, 'revoked_at', i.revoked_at)
                 FROM invitations i WHERE i.agent_id = a.id AND i.accepted_at IS NULL ORDER BY i.created_at DESC LIMIT 1) END AS invitation,
            coalesce((SELECT json_agg(json_build_object('organisation_id', r.organisation_id, 'access_level', r.access_level) ORDER BY r.created_at)
                        FROM agent_roles r WHERE r.agent_id = a.id), '[]') AS roles,
            coalesce((SELECT json_agg(s.service_slug ORDER BY s.service_slug) FROM agent_services s WHERE s.agent_id = a.id), '[]') AS service_ids
       FROM agents a
      WHERE a.deleted_at IS NULL AND (${where})
      ORDER BY a.last_name NULLS LAST, a.first_name NULLS LAST, a.id`,
    parameters,
  );
}

/** Where an agent's invitation stands, for admins to resend or withdraw it. */
function invitationJson(invitation: AgentRow['invitation'], now: Date) {
  if (!invitation) return null;
  const expiresAt = new Date(invitation.expires_at);
  const status = invitation.revoked_at ? 'revoked' : expiresAt <= now ? 'expired' : 'pending';
  return { status, sent_at: new Date(invitation.sent_at).toISOString(), expires_at: expiresAt.toISOString() };
}

export function agentJson(agent: AgentRow, now: Date) {
  return {
    id: agent.id,
    email: agent.email,
    first_name: agent.first_name,
    last_name: agent.last_name,
    territorial_admin: agent.territorial_admin,
    roles: agent.roles,
    service_ids: agent.service_ids,
    invitation_pending: agent.invitation_pending,
    invitation: invitationJson(agent.invitation, now),
    last_seen_at: agent.last_seen_at,
    // An invited agent who never came is not "inactive": they have not started.
    inactive: agent.has_password && (!agent.last_seen_at || now.getTime() - new Date(agent.last_seen_at).getTime() > INACTIVE_AFTER_MS),
  };
}

export async function loadAgentJson(agentId: string, now: Date) {
  const [agent] = await loadAgents('a.id = $1', [agentId]);
  if (!agent) throw AppError.notFound('Agent');
  return agentJson(agent, now);
}

/**
 * Whose agenda an agent sees: their own; in an organisation they administer or
 * whose Secrétariat they belong to, everyone's; elsewhere, colleagues sharing a service.
 */
export function canSeeAgent(actor: AgentActor, agent: Pick<AgentRow, 'id' | 'roles' | 'service_ids'>): boolean {
  if (actor.agentId === agent.id || actor.territorialAdmin) return true;
  return agent.roles.some(
    (role) => actor.roles.has(role.organisation_id)
      && (seesWholeOrganisation(actor, role.organisation_id) || sharesAService(actor, agent.service_ids)),
  );
}

/** Organisation admins manage the agents of their organisations; territorial admins, all. */
export function canManageAgentIn(actor: AgentActor, organisationId: string): boolean {
  return isOrganisationAdmin(actor, organisationId);
}
