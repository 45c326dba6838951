import Router from '@koa/router';
import Koa, { Context } from 'koa';
import { authenticate, bearerToken } from '../auth/authenticate';
import { AppError } from '../errors';
import { mountNotificationPages } from '../notifications/pages';
import { mountHealthAndMetrics, observeRequests } from '../observability/http';
import type { Platform } from '../platform';
import { readJsonBody } from './body';
import { openApiDocument } from './openapi';
import { problemDetails } from './problem';
import { Reply, type ApiRequest, type RouteDefinition } from './route';
import { API_ROUTES } from './routes';
import { securityHeaders } from './security-headers';
import { ADMIN_UI_DIR, PUBLIC_UI_DIR, serveSpa } from './static';

/** Builds the HTTP application; `main.ts` listens with it, tests too. */
export function createApp(platform: Platform, routes: RouteDefinition[] = API_ROUTES): Koa {
  const app = new Koa();
  app.proxy = platform.config.trustProxy;
  app.use(observeRequests());
  app.use(securityHeaders);
  app.use(problemDetails);
  app.use(serveSpa('/admin', ADMIN_UI_DIR));
  app.use(serveSpa('/public', PUBLIC_UI_DIR));

  const router = new Router();
  mountHealthAndMetrics(router, platform);
  mountNotificationPages(router, platform);
  const openApi = openApiDocument(routes, platform.schemas);
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  for (const definition of routes) {
    router[definition.method](definition.path, (ctx) => handle(platform, definition, ctx));
  }
  app.use(router.routes());
  app.use(router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new AppError('malformed', 'Method not allowed on this route'),
    notImplemented: () => new AppError('malformed', 'Unknown HTTP method'),
  }));
  return app;
}

async function handle(platform: Platform, definition: RouteDefinition, ctx: Context): Promise<void> {
  // Who calls comes first: a caller without a session learns nothing of what a route accepts.
  const actor = definition.access === 'public' ? null : await authenticate(platform, bearerToken(ctx));
  const request = {
    params: { ...(ctx as Context & { params: Record<string, string> }).params },
    // Such a route reads koa's query, whose repeated parameters are arrays.
    query: definition.repeatedQuery ? {} : readQuery(ctx),
    body: await readBody(platform, definition, ctx),
    platform,
    koa: ctx,
    actor: null,
  } as ApiRequest;

  let result: unknown;
  if (!actor) {
    result = await definition.handle(request);
  } else {
    if (actor.kind === 'agent' && definition.access === 'agent') {
      result = await platform.db.tenant(actor.territoryId, () => definition.handle({ ...request, actor }));
    } else if (actor.kind === 'platform_admin' && definition.access === 'platform_admin') {
      result = await platform.db.system(() => definition.handle({ ...request, actor }));
    } else {
      throw AppError.forbidden(definition.access === 'agent' ? 'This route is for agents' : 'This route is for the platform admin');
    }
  }
  if (result instanceof Reply) {
    ctx.set(result.headers);
    ctx.status = result.status;
    ctx.body = result.body;
  } else if (result === undefined) {
    ctx.status = 204;
  } else {
    ctx.status = definition.status ?? 200;
    ctx.body = result;
  }
}

async function readBody(platform: Platform, definition: RouteDefinition, ctx: Context): Promise<unknown> {
  if (definition.method === 'get' || definition.method === 'delete') return undefined;
  const raw = await readJsonBody(ctx);
  if (definition.documentBody) return raw;
  if (definition.body) {
    return platform.schemas.validate(definition.body, raw ?? {}, { partial: definition.partialBody });
  }
  if (raw !== undefined && !(typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0)) {
    throw AppError.invalid('This route takes no body');
  }
  return undefined;
}

function readQuery(ctx: Context): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(ctx.query)) {
    if (Array.isArray(value)) throw new AppError('malformed', `The query parameter ${name} is repeated`, [{ path: name, message: 'is repeated' }]);
    query[name] = value;
  }
  return query;
}
