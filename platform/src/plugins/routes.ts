import type { AgentActor } from '../agents/actor';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { listJobFailures } from '../events/failures';
import { listBody, readPage } from '../http/pagination';
import { route, RouteDefinition } from '../http/route';
import { consoleLog } from '../logging';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { requireTerritorialAdmin } from '../territories/policy';
import { compileBody } from './body';
import { createPluginContext, pluginConsumerName, readPluginSettings } from './host';
import { manifestOf } from './manifest';
import { partnerApiRoutes } from './partner-routes';
import { INSTALLED_PLUGINS, InstalledPlugin } from './registry';
import type { PluginAgent, PluginDefinition, PluginRoute } from './sdk';

/** Territorial admins are members of every organisation, even one that does not exist: check it does. */
async function requireExisting(organisationId: string): Promise<void> {
  const [found] = /^[0-9a-f-]{36}$/i.test(organisationId) ? await tx().query(`SELECT id FROM organisations WHERE id = $1`, [organisationId]) : [];
  if (!found) throw AppError.notFound('Organisation');
}

function pluginAgent(actor: AgentActor): PluginAgent {
  return {
    id: actor.agentId,
    territorialAdmin: actor.territorialAdmin,
    organisationIds: [...actor.roles.keys()],
    async requireMember(organisationId) {
      requireMember(actor, organisationId);
      await requireExisting(organisationId);
    },
    async requireOrganisationAdmin(organisationId) {
      requireOrganisationAdmin(actor, organisationId);
      await requireExisting(organisationId);
    },
    async requireTerritorialAdmin() {
      requireTerritorialAdmin(actor);
    },
  };
}

/** A plugin's route as an agent route: one tenant transaction, the body checked by the plugin's schema. */
function mountRoute(plugin: PluginDefinition<any>, pluginRoute: PluginRoute<any>, atApiRoot: boolean): RouteDefinition {
  const validate = pluginRoute.body && compileBody(pluginRoute.body, pluginRoute.partialBody ?? false);
  return route({
    method: pluginRoute.method,
    path: `${atApiRoot ? '/api/v1' : `/api/v1/plugins/${plugin.name}`}${pluginRoute.path}`,
    summary: pluginRoute.summary,
    tag: `plugin ${plugin.name}`,
    access: 'agent',
    status: pluginRoute.status,
    documentBody: Boolean(validate),
    ...(pluginRoute.body ? { bodySchema: pluginRoute.partialBody ? { ...pluginRoute.body, required: undefined, minProperties: 1 } : pluginRoute.body } : {}),
    async handle({ actor, params, query, body, platform }) {
      validate?.(body ?? {});
      const settings = await readPluginSettings(platform, plugin, null);
      const ctx = createPluginContext(platform, plugin, { territoryId: actor.territoryId, organisationId: null, settings }, consoleLog);
      return pluginRoute.handle({ agent: pluginAgent(actor), params, query, body: body ?? {}, ctx });
    },
  }) as RouteDefinition;
}

/** Plugins' routes under `/api/v1/plugins/<name>` (or `/api/v1` for those the registry allows). */
export function pluginApiRoutes(installed: readonly InstalledPlugin[]): RouteDefinition[] {
  return installed.flatMap(({ plugin, mountAtApiRoot }) => (plugin.routes ?? []).map((r) => mountRoute(plugin, r, mountAtApiRoot ?? false)));
}

function findPlugin(name: string): PluginDefinition<any> {
  const installed = INSTALLED_PLUGINS.find(({ plugin }) => plugin.name === name);
  if (!installed) throw AppError.notFound('Plugin');
  return installed.plugin;
}

/** What territorial admins see of plugins: what is installed, what it does here, what failed. */
const adminRoutes = [
  route({
    method: 'get', path: '/api/v1/plugins', tag: 'plugins', access: 'agent',
    summary: 'Installed plugins, with their settings in the territory (territorial admins)',
    async handle({ actor, platform }) {
      requireTerritorialAdmin(actor);
      const data = [];
      for (const { plugin } of INSTALLED_PLUGINS) {
        const { enabled } = await readPluginSettings(platform, plugin, null);
        const { configSchema: _schema, migrations: _migrations, ...manifest } = manifestOf(plugin);
        data.push({ ...manifest, config_key: `plugins.${plugin.name}`, enabled });
      }
      return { data };
    },
  }),
  route({
    method: 'get', path: '/api/v1/plugins/:name/failures', tag: 'plugins', access: 'agent',
    summary: "A plugin's recent failures in the territory, newest first (territorial admins)",
    async handle({ actor, params, query }) {
      requireTerritorialAdmin(actor);
      const plugin = findPlugin(params.name);
      const page = readPage(query);
      const [rows, total] = await listJobFailures(pluginConsumerName(plugin.name), page);
      return listBody(rows, page, total);
    },
  }),
];

export const pluginRoutes: RouteDefinition[] = [
  ...(adminRoutes as RouteDefinition[]),
  ...pluginApiRoutes(INSTALLED_PLUGINS),
  ...partnerApiRoutes(INSTALLED_PLUGINS.map(({ plugin }) => plugin)),
];
