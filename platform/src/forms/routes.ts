import { AppError } from '../errors';
import { route } from '../http/route';
import type { Audience } from './effective-form';
import { loadForm } from './forms';
import { FORM_KINDS } from './kinds';

function readAudience(raw: string | undefined): Audience {
  if (raw === undefined || raw === 'agent' || raw === 'public') return raw ?? 'agent';
  throw new AppError('malformed', 'audience must be agent or public', [{ path: 'audience', message: 'must be agent or public' }]);
}

export const formRoutes = Object.values(FORM_KINDS).map((kind) => route({
  method: 'get', path: `/api/v1/forms/${kind.name}`, tag: 'forms', access: 'agent',
  summary: `The territory's effective ${kind.name} form: JSON Schema (2020-12) and JSON Forms UI schema; ?audience=public for the public portal`,
  async handle({ platform, query }) {
    const audience = readAudience(query.audience);
    const form = await loadForm(platform, kind.name);
    return { kind: kind.name, config_key: kind.configKey, version: form.version, audience, schema: form.schema(audience), ui_schema: form.uiSchema(audience) };
  },
}));
