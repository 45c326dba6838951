import { AppError } from '../errors';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireTerritorialAdmin } from '../territories/policy';
import { ConfigHistoryEntry, ConfigStore, ConfigVersion } from './store';

function versionJson(version: ConfigVersion | ConfigHistoryEntry) {
  return {
    key: version.key,
    version: version.version,
    document: version.document,
    author_agent_id: version.author_agent_id,
    created_at: version.created_at,
    ...('changes' in version ? { changes: version.changes } : {}),
  };
}

const BASE = '/api/v1/territories/current/config/:key';

export const configurationRoutes = [
  route({
    method: 'get', path: BASE, tag: 'configuration', access: 'agent',
    summary: 'The configuration document in force, with its version',
    async handle({ actor, params, platform }) {
      requireTerritorialAdmin(actor);
      return versionJson(await ConfigStore.of(platform).current(params.key));
    },
  }),
  route({
    method: 'put', path: BASE, tag: 'configuration', access: 'agent', documentBody: true,
    summary: 'Validate and store a new version of a configuration document',
    async handle({ actor, params, platform, body: document }) {
      requireTerritorialAdmin(actor);
      if (document === undefined) throw AppError.invalid('The configuration document is missing');
      return versionJson(await ConfigStore.of(platform).write(params.key, document, actor.agentId));
    },
  }),
  route({
    method: 'get', path: `${BASE}/schema`, tag: 'configuration', access: 'agent',
    summary: 'The JSON Schema of a configuration document',
    async handle({ params, platform }) {
      return ConfigStore.of(platform).schema(params.key);
    },
  }),
  route({
    method: 'get', path: `${BASE}/versions`, tag: 'configuration', access: 'agent',
    summary: 'History of a configuration document, newest first: who, when, and the paths each version changed',
    async handle({ actor, params, platform, query }) {
      requireTerritorialAdmin(actor);
      const page = readPage(query);
      const [rows, total] = await ConfigStore.of(platform).versions(params.key, page);
      return listBody(rows.map(versionJson), page, total);
    },
  }),
  route({
    method: 'post', path: `${BASE}/versions/:n/restore`, tag: 'configuration', access: 'agent',
    summary: 'Restore an earlier version (stored as a new version)',
    async handle({ actor, params, platform }) {
      requireTerritorialAdmin(actor);
      if (!/^\d{1,9}$/.test(params.n)) throw new AppError('malformed', 'The version must be a number');
      return versionJson(await ConfigStore.of(platform).restore(params.key, Number(params.n), actor.agentId));
    },
  }),
];
