import crypto from 'node:crypto';
import { In } from 'typeorm';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireTerritorialAdmin } from '../territories/policy';
import { Organisation } from './organisation.entity';
import { requireMember, requireOrganisationAdmin } from './policy';

type OrganisationBody = Pick<Organisation, 'name'> & Partial<Pick<Organisation, 'phone_number' | 'email' | 'website' | 'opening_hours'>>;

export function organisationJson(organisation: Organisation) {
  return {
    id: organisation.id,
    name: organisation.name,
    slug: organisation.slug,
    phone_number: organisation.phone_number,
    email: organisation.email,
    website: organisation.website,
    opening_hours: organisation.opening_hours,
    territory_id: organisation.territory_id,
  };
}

/** URL-safe, readable and unique platform-wide: the public booking link names it. */
export function slugFor(name: string): string {
  const base = name
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'organisation';
  return `${base}-${crypto.randomBytes(3).toString('hex')}`;
}

async function findOrganisation(id: string): Promise<Organisation> {
  const organisation = isUuid(id) ? await tx().findOneBy(Organisation, { id }) : null;
  if (!organisation) throw AppError.notFound('Organisation');
  return organisation;
}

export const organisationRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations', tag: 'organisations', access: 'agent',
    summary: 'Organisations the agent belongs to (all of the territory for territorial admins)',
    async handle({ actor, query }) {
      const page = readPage(query);
      const where = actor.territorialAdmin ? {} : { id: In([...actor.roles.keys()]) };
      const [rows, total] = await tx().findAndCount(Organisation, {
        where, order: { name: 'ASC', id: 'ASC' }, skip: (page.page - 1) * page.per_page, take: page.per_page,
      });
      return listBody(rows.map(organisationJson), page, total);
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations', tag: 'organisations', access: 'agent', status: 201,
    body: 'api/organisation.json',
    summary: 'Create an organisation (territorial admins)',
    async handle({ actor, body }) {
      requireTerritorialAdmin(actor);
      const input = body as OrganisationBody;
      const organisation = await tx().save(tx().create(Organisation, {
        ...input, territory_id: currentTerritoryId(), slug: slugFor(input.name),
      }));
      await recordEvent('organisation', 'created', organisationJson(organisation), { organisationId: organisation.id, actorAgentId: actor.agentId });
      return organisationJson(organisation);
    },
  }),
  route({
    method: 'get', path: '/api/v1/organisations/:id', tag: 'organisations', access: 'agent',
    summary: 'One organisation',
    async handle({ actor, params }) {
      const organisation = await findOrganisation(params.id);
      requireMember(actor, organisation.id);
      return organisationJson(organisation);
    },
  }),
  route({
    method: 'patch', path: '/api/v1/organisations/:id', tag: 'organisations', access: 'agent',
    body: 'api/organisation.json', partialBody: true,
    summary: "Change the organisation's information (its admins)",
    async handle({ actor, params, body, platform }) {
      const organisation = await findOrganisation(params.id);
      requireOrganisationAdmin(actor, organisation.id);
      Object.assign(organisation, body as Partial<OrganisationBody>, { updated_at: platform.clock.now() });
      const saved = await tx().save(organisation);
      await recordEvent('organisation', 'updated', organisationJson(saved), { organisationId: saved.id, actorAgentId: actor.agentId });
      return organisationJson(saved);
    },
  }),
  route({
    method: 'delete', path: '/api/v1/organisations/:id', tag: 'organisations', access: 'agent',
    summary: 'Delete an empty organisation (territorial admins)',
    async handle({ actor, params }) {
      requireTerritorialAdmin(actor);
      const organisation = await findOrganisation(params.id);
      const [usage] = await tx().query(
        `SELECT (SELECT count(*) FROM agent_roles WHERE organisation_id = $1)::int AS agents,
                (SELECT count(*) FROM motifs WHERE organisation_id = $1 AND deleted_at IS NULL)::int AS motifs,
                (SELECT count(*) FROM lieux WHERE organisation_id = $1 AND deleted_at IS NULL)::int AS lieux`,
        [organisation.id]);
      if (usage.agents || usage.motifs || usage.lieux) {
        throw AppError.conflict(`The organisation still has ${usage.agents} agents, ${usage.motifs} motifs and ${usage.lieux} lieux: remove them first`);
      }
      await recordEvent('organisation', 'destroyed', organisationJson(organisation), { organisationId: organisation.id, actorAgentId: actor.agentId });
      await tx().delete(Organisation, { id: organisation.id });
      return undefined;
    },
  }),
];
