import { AppError } from '../errors';
import { route } from '../http/route';
import { publicOrganisation } from '../organisations/public-routes';
import type { Audience } from './effective-form';
import { loadForm } from './forms';
import { FORM_KINDS } from './kinds';

function readAudience(raw: string | undefined): Audience {
  if (raw === undefined || raw === 'agent' || raw === 'public') return raw ?? 'agent';
  throw new AppError('malformed', 'audience must be agent or public', [{ path: 'audience', message: 'must be agent or public' }]);
}

const agentFormRoutes = Object.values(FORM_KINDS).map((kind) => route({
  method: 'get', path: `/api/v1/forms/${kind.name}`, tag: 'forms', access: 'agent',
  summary: `The territory's effective ${kind.name} form: JSON Schema (2020-12) and JSON Forms UI schema; ?audience=public for the public portal`,
  async handle({ platform, query }) {
    const audience = readAudience(query.audience);
    const form = await loadForm(platform, kind.name);
    return { kind: kind.name, config_key: kind.configKey, version: form.version, audience, schema: form.schema(audience), ui_schema: form.uiSchema(audience) };
  },
}));

/**
 * The usager form of an organisation's territory as the public portal shows it
 * (its public fields): the portal renders it, and online bookings' `user` is
 * validated with the same schema (booking/holds.ts).
 */
const publicUserFormRoute = route({
  method: 'get', path: '/api/public/organisations/:slug/forms/user', tag: 'public', access: 'public',
  summary: "The usager form of the organisation's territory for online booking: JSON Schema (2020-12) and JSON Forms UI schema of its public fields",
  async handle({ platform, params }) {
    const organisation = await publicOrganisation(platform, params.slug);
    return platform.db.tenant(organisation.territoryId, async () => {
      const form = await loadForm(platform, 'user');
      return { kind: 'user', version: form.version, audience: 'public', schema: form.schema('public'), ui_schema: form.uiSchema('public') };
    });
  },
});

export const formRoutes = [...agentFormRoutes, publicUserFormRoute];
