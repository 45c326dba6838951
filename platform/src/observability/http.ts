import crypto from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { logger, withRequestId } from '../logging';
import type { Platform } from '../platform';
import { creneauxSearchDuration, httpDuration, registry } from './metrics';

/** Platforms whose process is shutting down: `/health/ready` answers 503, other requests are still served. */
const draining = new WeakSet<Platform>();

export function startDraining(platform: Platform): void {
  draining.add(platform);
}

const REQUEST_ID = /^[\w.-]{1,64}$/;
const SEARCHES = /\/(creneaux|next_availability)$/;

/**
 * First middleware: gives each request an id (a sane incoming X-Request-Id, else a new
 * one) that its logs and the jobs it enqueues carry, answers it in X-Request-Id, logs one
 * access line and times it by route template.
 */
export function observeRequests() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    await withRequestId(requestId, async () => {
      try {
        await next();
      } finally {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        // The route's template (`/api/v1/organisations/:organisation_id/...`), never its ids.
        const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        httpDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
        if (SEARCHES.test(route) && ctx.status === 200) creneauxSearchDuration.observe({ route }, seconds);
        const level = ctx.status >= 500 ? 'error' : 'info';
        logger[level]({ method: ctx.method, route, status: ctx.status, duration_ms: Math.round(seconds * 1000) }, 'http request');
      }
    });
  };
}

/**
 * `/health` (database and queue answer, as before), `/health/live` (the process runs),
 * `/health/ready` (takes traffic: checks answer and not shutting down), and `/metrics`.
 */
export function mountHealthAndMetrics(router: Router, platform: Platform): void {
  const check = async () => {
    await platform.db.system(() => tx().query('SELECT 1'));
    if (platform.queue) {
      await platform.queue.ping().catch((error: Error) => {
        // The cause names internal addresses: it goes to the log, not to whoever asks.
        logger.warn({ err: error }, 'health: the job queue does not answer');
        throw new AppError('unavailable', 'The job queue does not answer');
      });
    }
    return { status: 'ok', database: platform.db.embedded ? 'embedded' : 'postgresql', queue: platform.queue?.kind ?? null };
  };
  router.get('/health', async (ctx) => {
    ctx.body = await check();
  });
  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/health/ready', async (ctx) => {
    if (draining.has(platform)) throw new AppError('unavailable', 'Shutting down');
    ctx.body = await check();
  });
  router.get('/metrics', async (ctx) => {
    if (!mayReadMetrics(platform, ctx)) throw AppError.notFound('Route');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}

/**
 * The machine itself (a loopback address with no proxy in between), or whoever presents
 * METRICS_TOKEN as a bearer token. Anyone else is answered 404, as if there were none.
 */
function mayReadMetrics(platform: Platform, ctx: Context): boolean {
  const token = platform.config.env.METRICS_TOKEN;
  const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
  if (token && given) {
    const [a, b] = [Buffer.from(given), Buffer.from(token)];
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }
  const address = ctx.req.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  return loopback && !ctx.get('x-forwarded-for') && !ctx.get('forwarded');
}
