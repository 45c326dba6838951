/**
 * Partner routes: a plugin's partner (ANTS's hub, an OAuth provider) calls the platform
 * under `/api/<plugin name>`, without an agent's token. The plugin authenticates the
 * caller itself, then reads in each territory where it is on, or in one.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { Reply, route, RouteDefinition } from '../http/route';
import { consoleLog, LogSink } from '../logging';
import type { Platform } from '../platform';
import { effectiveSettings, PluginDocument } from './config';
import { createPluginContext, instanceSettingsOf, readPluginDocument } from './host';
import { partnerRoutesPath } from './paths';
import { PartnerReply, PartnerRequest, PartnerRoute, PluginContext, PluginDefinition } from './sdk';

/** Plugin names whose partner routes would stand where the API's own are. */
const RESERVED_NAMES = new Set(['v1', 'public', 'openapi.json']);

/** Constant time whatever the strings: their SHA-256 digests are compared, so neither length leaks. */
export function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/** Whether the plugin is on anywhere in the territory: there, or for one of its organisations. */
function onInTerritory(document: PluginDocument): boolean {
  return document.enabled || Object.values(document.organisations ?? {}).some((organisation) => organisation.enabled === true);
}

/** Node's header names are lower-cased already; a repeated header is joined as HTTP allows. */
function headersOf(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}

/** Runs work in a tenant transaction of the territory, with the plugin's context there (unless the plugin is off in it, when asked). */
function inTenant<T>(
  platform: Platform, plugin: PluginDefinition<any>, territoryId: string, log: LogSink, onlyWhereOn: boolean,
  work: (ctx: PluginContext<any>) => Promise<T>,
): Promise<{ value: T } | null> {
  return platform.db.tenant(territoryId, async () => {
    const document = await readPluginDocument(platform, plugin);
    if (onlyWhereOn && !onInTerritory(document)) return null;
    const ctx = createPluginContext(platform, plugin, { territoryId, organisationId: null, settings: effectiveSettings(document, null) }, log);
    return { value: await work(ctx) };
  });
}

/** What a partner route's handler is given for one request. */
function partnerRequest(platform: Platform, plugin: PluginDefinition<any>, log: LogSink, request: Pick<PartnerRequest, 'headers' | 'query' | 'params' | 'body'>): PartnerRequest<any> {
  return {
    ...request,
    instance: instanceSettingsOf(platform, plugin),
    async forEachTerritory(work) {
      const territories = await platform.db.systemStatement<{ id: string }>(`SELECT id FROM territories ORDER BY id`, []);
      const results = await Promise.all(territories.map(({ id }) => inTenant(platform, plugin, id, log, true, work)));
      return results.flatMap((result) => (result ? [result.value] : []));
    },
    async inTerritory(territoryId, work) {
      const [territory] = isUuid(territoryId)
        ? await platform.db.systemStatement(`SELECT id FROM territories WHERE id = $1`, [territoryId])
        : [];
      if (!territory) throw AppError.notFound('Territory');
      return (await inTenant(platform, plugin, territoryId, log, false, work))!.value;
    },
    sameSecret,
  };
}

function mountPartnerRoute(plugin: PluginDefinition<any>, partnerRoute: PartnerRoute<any>, log: LogSink): RouteDefinition {
  return route({
    method: partnerRoute.method,
    path: `${partnerRoutesPath(plugin.name)}${partnerRoute.path}`,
    summary: partnerRoute.summary,
    tag: `plugin ${plugin.name} (partner)`,
    access: 'public',
    // The plugin reads the body and the query as its partner's contract says.
    documentBody: true,
    repeatedQuery: true,
    async handle({ params, body, platform, koa }) {
      const answer = await partnerRoute.handle(partnerRequest(platform, plugin, log, { headers: headersOf(koa.headers), query: { ...koa.query }, params, body }));
      return answer instanceof PartnerReply ? new Reply(answer.status, answer.body, answer.headers) : answer;
    },
  }) as RouteDefinition;
}

/** The plugins' partner routes, each under `/api/<plugin name>`, public (the plugin checks its caller). */
export function partnerApiRoutes(plugins: readonly PluginDefinition<any>[], log: LogSink = consoleLog): RouteDefinition[] {
  return plugins.flatMap((plugin) => {
    const routes = plugin.partnerRoutes ?? [];
    if (routes.length > 0 && RESERVED_NAMES.has(plugin.name)) throw new Error(`Plugin ${plugin.name}: its partner routes would stand in the API's place (/api/${plugin.name})`);
    return routes.map((partnerRoute) => mountPartnerRoute(plugin, partnerRoute, log));
  });
}
