import { AppError } from '../errors';
import { ConfigStore } from '../configuration/store';
import { currentTerritoryId, tx } from '../db/database';
import { recordEvent } from '../events/outbox';
import { forgetAgentCopies } from '../retention/copies';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { enabledServices } from '../services/routes';
import type { Platform } from '../platform';
import { hashPassword } from '../auth/secrets';
import { issueToken } from '../auth/sessions';
import { AccessLevel, Agent, AgentRole, AgentService } from './agent.entity';
import { AgentRow, agentJson, canSeeAgent, loadAgentJson, loadAgents, randomCalendarUid } from './agents';
import { acceptInvitation, checkInvitation, sendInvitation } from './invitations';

interface InviteBody {
  email?: string;
  first_name?: string;
  last_name?: string;
  name?: string;
  access_level: AccessLevel;
  service_ids: string[];
  also_organisation_ids?: string[];
}

interface UpdateBody {
  first_name?: string;
  last_name?: string;
  organisation_id?: string;
  access_level?: 'basic' | 'admin';
  service_ids?: string[];
  territorial_admin?: boolean;
}

async function checkServices(platform: Platform, serviceIds: string[]): Promise<void> {
  const enabled = await enabledServices(new ConfigStore(platform.schemas));
  serviceIds.forEach((service, index) => {
    if (!enabled.includes(service)) throw AppError.invalidField(`service_ids.${index}`, 'is not a service enabled in this territory');
  });
}

async function findAgent(id: string): Promise<AgentRow> {
  const [agent] = isUuid(id) ? await loadAgents('a.id = $1', [id]) : [];
  if (!agent) throw AppError.notFound('Agent');
  return agent;
}

async function replaceServices(agentId: string, serviceIds: string[]): Promise<void> {
  await tx().delete(AgentService, { agent_id: agentId });
  if (serviceIds.length) {
    await tx().insert(AgentService, serviceIds.map((service_slug) => ({ territory_id: currentTerritoryId(), agent_id: agentId, service_slug })));
  }
}

/**
 * Emails are unique platform-wide, but another territory's agents are invisible here:
 * the unique index is what tells that the email is taken there.
 */
async function insertAgent(fields: Partial<Agent>): Promise<string> {
  try {
    return (await tx().save(tx().create(Agent, fields))).id;
  } catch (error) {
    if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
      throw AppError.conflict('This email belongs to an agent of another territory', [{ path: 'email', message: 'is already used' }]);
    }
    throw error;
  }
}

/** The other organisations an invitation names (territorial admins only), each of this territory. */
async function otherOrganisations(territorialAdmin: boolean, organisationId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  if (!territorialAdmin) throw AppError.forbidden('Only territorial admins invite into several organisations at once');
  const found: { id: string }[] = await tx().query(`SELECT id FROM organisations WHERE id = ANY($1)`, [ids]);
  ids.forEach((id, index) => {
    if (!found.some((organisation) => organisation.id === id)) throw AppError.invalidField(`also_organisation_ids.${index}`, 'is not an organisation of this territory');
  });
  return ids.filter((id) => id !== organisationId);
}

async function notMemberOf(agentId: string, organisationIds: string[]): Promise<string[]> {
  const roles: { organisation_id: string }[] = await tx().query(`SELECT organisation_id FROM agent_roles WHERE agent_id = $1`, [agentId]);
  return organisationIds.filter((id) => !roles.some((role) => role.organisation_id === id));
}

/** Refuses a change that would leave an organisation without any admin. */
async function requireAnotherAdmin(organisationId: string, agentId: string): Promise<void> {
  const [{ count }] = await tx().query(
    `SELECT count(*)::int AS count FROM agent_roles r JOIN agents a ON a.id = r.agent_id AND a.deleted_at IS NULL
      WHERE r.organisation_id = $1 AND r.access_level = 'admin' AND r.agent_id <> $2`, [organisationId, agentId]);
  if (count === 0) throw AppError.conflict('An organisation keeps at least one admin');
}

/** At most this many of an agent's rdvs to come are listed when their removal is refused. */
const LISTED_RDVS = 100;

/**
 * An agent expected at rdvs to come in the organisation is not removed from it: the 409
 * lists those rdvs (`rdvs`, soonest first), for the admin to give them to someone else.
 */
async function refuseWithUpcomingRdvs(platform: Platform, agentId: string, organisationId: string): Promise<void> {
  const rdvs: { id: string; starts_at: Date; motif: string }[] = await tx().query(
    `SELECT r.id, r.starts_at, m.name AS motif FROM rdvs r
       JOIN rdv_agents ra ON ra.rdv_id = r.id AND ra.agent_id = $1 JOIN motifs m ON m.id = r.motif_id
      WHERE r.organisation_id = $2 AND r.starts_at >= $3 AND r.status IN ('unknown', 'pending')
      ORDER BY r.starts_at, r.id LIMIT ${LISTED_RDVS}`,
    [agentId, organisationId, platform.clock.now()],
  );
  if (!rdvs.length) return;
  throw new AppError('conflict', 'The agent still has rdvs to come in this organisation: give them to another agent first', [], undefined, {
    rdvs: rdvs.map((rdv) => ({ id: rdv.id, organisation_id: organisationId, starts_at: new Date(rdv.starts_at).toISOString(), motif: rdv.motif })),
  });
}

export const agentRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/agents', tag: 'agents', access: 'agent',
    summary: "The organisation's agents the caller may see",
    async handle({ actor, params, query, platform }) {
      requireMember(actor, params.org);
      const page = readPage(query);
      const all = await loadAgents('EXISTS (SELECT 1 FROM agent_roles r WHERE r.agent_id = a.id AND r.organisation_id = $1)', [params.org]);
      const visible = all.filter((agent) => canSeeAgent(actor, agent));
      const slice = visible.slice((page.page - 1) * page.per_page, page.page * page.per_page);
      return listBody(slice.map((agent) => agentJson(agent, platform.clock.now())), page, visible.length);
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/agents', tag: 'agents', access: 'agent', status: 201,
    body: 'api/agent.invite.json',
    summary: 'Invite an agent (email: the link goes to that address) or create an intervenant (name); territorial admins may add `also_organisation_ids`',
    async handle({ actor, params, body, platform }) {
      requireOrganisationAdmin(actor, params.org);
      const input = body as InviteBody;
      if (input.access_level === 'intervenant') {
        if (input.email) throw AppError.invalidField('email', 'an intervenant has no email: give a name');
        if (!input.name) throw AppError.invalidField('name', 'is required for an intervenant');
      } else {
        if (!input.email) throw AppError.invalidField('email', 'is required to invite an agent');
        if (input.name) throw AppError.invalidField('name', 'is only for intervenants: give first_name and last_name');
      }
      await checkServices(platform, input.service_ids);
      const others = await otherOrganisations(actor.territorialAdmin, params.org, input.also_organisation_ids ?? []);

      // Only this territory's agents are visible here: one of them may join another organisation.
      const [existing] = input.email
        ? await tx().query(`SELECT id, email, password_hash IS NOT NULL AS has_password FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL`, [input.email])
        : [];
      let agentId: string | undefined = existing?.id;
      if (agentId) {
        if (await tx().findOneBy(AgentRole, { agent_id: agentId, organisation_id: params.org })) {
          throw AppError.conflict('This agent already belongs to the organisation', [{ path: 'email', message: 'is already a member' }]);
        }
      } else {
        agentId = await insertAgent({
          territory_id: currentTerritoryId(),
          email: input.email ?? null,
          first_name: input.first_name ?? null,
          last_name: input.last_name ?? input.name ?? null,
          calendar_uid: randomCalendarUid(),
        });
        await replaceServices(agentId, input.service_ids);
      }
      // The other organisations the agent already belongs to are left as they are.
      const joined = [params.org, ...(existing ? await notMemberOf(agentId, others) : others)];
      for (const organisationId of joined) {
        await tx().insert(AgentRole, { territory_id: currentTerritoryId(), agent_id: agentId, organisation_id: organisationId, access_level: input.access_level });
      }
      // An agent who already chose a password joins the organisations as they are: no link to send.
      const invitationSent = Boolean(input.email && !existing?.has_password);
      if (invitationSent) {
        const organisations: { name: string }[] = await tx().query(`SELECT name FROM organisations WHERE id = ANY($1) ORDER BY name`, [joined]);
        await sendInvitation(platform, { id: agentId, email: existing?.email ?? input.email! }, organisations.map((o) => o.name).join(', '), actor.agentId);
      }
      const json = await loadAgentJson(agentId, platform.clock.now());
      for (const organisationId of joined) await recordEvent('agent', 'created', json, { organisationId, actorAgentId: actor.agentId });
      // The inviter learns of the roles given here only, not of the agent's others.
      return { agent: { ...json, roles: json.roles.filter((role) => joined.includes(role.organisation_id)) }, invitation_sent: invitationSent };
    },
  }),
  route({
    method: 'get', path: '/api/v1/agents/:id', tag: 'agents', access: 'agent',
    summary: 'One agent',
    async handle({ actor, params, platform }) {
      const agent = await findAgent(params.id);
      if (!canSeeAgent(actor, agent)) throw AppError.notFound('Agent');
      return agentJson(agent, platform.clock.now());
    },
  }),
  route({
    method: 'patch', path: '/api/v1/agents/:id', tag: 'agents', access: 'agent',
    body: 'api/agent.update.json', partialBody: true,
    summary: "Change an agent's name, access level in an organisation, or (territorial admins) services and territorial admin",
    async handle({ actor, params, body, platform }) {
      const agent = await findAgent(params.id);
      if (!canSeeAgent(actor, agent)) throw AppError.notFound('Agent');
      const input = body as UpdateBody;
      const administered = agent.roles.filter((role) => actor.territorialAdmin || actor.roles.get(role.organisation_id) === 'admin');
      if (!administered.length) throw AppError.forbidden('Only admins of one of the agent\'s organisations may change them');
      if (input.service_ids) {
        // The guide: once invited, an agent's services are changed by the territorial admin only.
        if (!actor.territorialAdmin) throw AppError.forbidden("Only territorial admins change an agent's services");
        await checkServices(platform, input.service_ids);
        await replaceServices(agent.id, input.service_ids);
      }
      if (input.access_level) {
        const role = administered.find((r) => r.organisation_id === input.organisation_id);
        if (!role) throw AppError.invalidField('organisation_id', 'is not an organisation of this agent that you administer');
        if (role.access_level === 'intervenant') throw AppError.invalidField('access_level', 'an intervenant has no login: invite an agent instead');
        if (role.access_level === 'admin' && input.access_level !== 'admin') await requireAnotherAdmin(role.organisation_id, agent.id);
        await tx().update(AgentRole, { agent_id: agent.id, organisation_id: role.organisation_id }, { access_level: input.access_level });
      }
      if (input.territorial_admin !== undefined && input.territorial_admin !== agent.territorial_admin) {
        // A territorial admin never withdraws their own: the territory always keeps one.
        if (!actor.territorialAdmin) throw AppError.forbidden('Only territorial admins grant or withdraw territorial admin');
        if (agent.id === actor.agentId) throw AppError.forbidden('You cannot withdraw your own territorial admin');
        if (!agent.email) throw AppError.invalidField('territorial_admin', 'an intervenant has no login');
        await tx().update(Agent, { id: agent.id }, { territorial_admin: input.territorial_admin, updated_at: () => 'now()' });
      }
      if (input.first_name !== undefined || input.last_name !== undefined) {
        await tx().update(Agent, { id: agent.id }, {
          ...(input.first_name !== undefined ? { first_name: input.first_name } : {}),
          ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
          updated_at: () => 'now()',
        });
      }
      const json = await loadAgentJson(agent.id, platform.clock.now());
      await recordEvent('agent', 'updated', json, { organisationId: administered[0].organisation_id, actorAgentId: actor.agentId });
      return json;
    },
  }),
  route({
    method: 'delete', path: '/api/v1/agents/:id', tag: 'agents', access: 'agent',
    summary: 'Remove an agent from an organisation (?organisation_id=, required when they have several); 409 listing their rdvs to come there (`rdvs`) until those are given to others',
    async handle({ actor, params, query, platform }) {
      const agent = await findAgent(params.id);
      if (!canSeeAgent(actor, agent)) throw AppError.notFound('Agent');
      const organisationId = query.organisation_id ?? (agent.roles.length === 1 ? agent.roles[0].organisation_id : undefined);
      const role = agent.roles.find((r) => r.organisation_id === organisationId);
      if (!role) throw new AppError('malformed', 'Say which organisation to remove the agent from', [{ path: 'organisation_id', message: 'is required' }]);
      requireOrganisationAdmin(actor, role.organisation_id);
      if (agent.id === actor.agentId) throw AppError.forbidden('You cannot remove yourself');
      if (role.access_level === 'admin') await requireAnotherAdmin(role.organisation_id, agent.id);
      await refuseWithUpcomingRdvs(platform, agent.id, role.organisation_id);
      await tx().delete(AgentRole, { agent_id: agent.id, organisation_id: role.organisation_id });
      if (agent.roles.length === 1 && !agent.territorial_admin) {
        await tx().update(Agent, { id: agent.id }, { deleted_at: platform.clock.now() });
        await forgetAgentCopies(platform, agent.id);
        await recordEvent('agent', 'destroyed', agentJson(agent, platform.clock.now()), { organisationId: role.organisation_id, actorAgentId: actor.agentId });
      } else {
        await recordEvent('agent', 'updated', await loadAgentJson(agent.id, platform.clock.now()), { organisationId: role.organisation_id, actorAgentId: actor.agentId });
      }
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/api/v1/invitations/:token/accept', tag: 'agents', access: 'public',
    body: 'api/invitation.accept.json',
    summary: 'Accept an invitation by choosing a password; answers a bearer token (403 when the territory requires ProConnect: signing in with it accepts the invitation)',
    async handle({ params, body, platform }) {
      await checkInvitation(platform, params.token);
      const passwordHash = await hashPassword((body as { password: string }).password);
      const agent = await acceptInvitation(platform, params.token, passwordHash);
      const token = await platform.db.system(() => issueToken(platform, { agentId: agent.id }));
      return { token, agent: await platform.db.tenant(agent.territory_id, () => loadAgentJson(agent.id, platform.clock.now())) };
    },
  }),
];
