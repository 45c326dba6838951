import { IANAZone } from 'luxon';
import { Agent } from '../agents/agent.entity';
import { isConfigured } from '../auth/oidc';
import { hashPassword } from '../auth/secrets';
import { randomCalendarUid } from '../agents/agents';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireTerritorialAdmin } from './policy';
import { Territory } from './territory.entity';

interface NewTerritory {
  name: string;
  timezone?: string;
  admin: { email: string; password: string; first_name?: string; last_name?: string };
}

export function territoryJson(territory: Territory) {
  return {
    id: territory.id, name: territory.name, timezone: territory.timezone, proconnect_required: territory.proconnect_required, created_at: territory.created_at,
  };
}

function checkTimezone(timezone: string): string {
  if (!IANAZone.isValidZone(timezone)) throw AppError.invalidField('timezone', `${timezone.slice(0, 64)} is not a known time zone`);
  return timezone;
}

export const territoryRoutes = [
  route({
    method: 'post', path: '/api/v1/territories', tag: 'territories', access: 'platform_admin', status: 201,
    body: 'api/territory.create.json',
    summary: 'Create a territory and its first territorial admin',
    async handle({ body }) {
      const input = body as NewTerritory;
      const timezone = checkTimezone(input.timezone ?? 'Europe/Paris');
      const [taken] = await tx().query(`SELECT 1 FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL`, [input.admin.email]);
      if (taken) throw AppError.conflict('This email already belongs to an agent', [{ path: 'admin.email', message: 'is already used' }]);
      const territory = await tx().save(tx().create(Territory, { name: input.name, timezone }));
      const admin = await tx().save(tx().create(Agent, {
        territory_id: territory.id,
        email: input.admin.email,
        first_name: input.admin.first_name ?? null,
        last_name: input.admin.last_name ?? null,
        password_hash: await hashPassword(input.admin.password),
        territorial_admin: true,
        calendar_uid: randomCalendarUid(),
      }));
      return { ...territoryJson(territory), admin: { id: admin.id, email: admin.email } };
    },
  }),
  route({
    method: 'get', path: '/api/v1/territories', tag: 'territories', access: 'platform_admin',
    summary: 'List territories',
    async handle({ query }) {
      const page = readPage(query);
      const [rows, total] = await tx().findAndCount(Territory, { order: { name: 'ASC' }, skip: (page.page - 1) * page.per_page, take: page.per_page });
      return listBody(rows.map(territoryJson), page, total);
    },
  }),
  route({
    method: 'get', path: '/api/v1/territories/current', tag: 'territories', access: 'agent',
    summary: "The signed-in agent's territory",
    async handle({ actor }) {
      const territory = await tx().findOneByOrFail(Territory, { id: actor.territoryId });
      return territoryJson(territory);
    },
  }),
  route({
    method: 'patch', path: '/api/v1/territories/current', tag: 'territories', access: 'agent',
    body: 'api/territory.update.json', partialBody: true,
    summary: 'Rename the territory, change its time zone, or require ProConnect of its agents (territorial admins; 422 while the instance is not registered with ProConnect)',
    async handle({ actor, body, platform }) {
      requireTerritorialAdmin(actor);
      const changes = body as { name?: string; timezone?: string; proconnect_required?: boolean };
      if (changes.timezone) checkTimezone(changes.timezone);
      if (changes.proconnect_required && !isConfigured(platform, 'proconnect')) {
        throw AppError.invalidField('proconnect_required', 'needs the instance to be registered with ProConnect');
      }
      await tx().update(Territory, { id: actor.territoryId }, { ...changes, updated_at: () => 'now()' });
      return territoryJson(await tx().findOneByOrFail(Territory, { id: actor.territoryId }));
    },
  }),
];
