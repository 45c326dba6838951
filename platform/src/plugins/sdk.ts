/**
 * The plugin SDK: the only platform module plugin code imports. Plugins declare
 * themselves with `definePlugin`; the host (host.ts) gives them a context.
 * plugins/README.md explains it with examples.
 */
import type { DomainEvent } from '../events/domain-event';
import type { JsonSchema } from '../http/schemas';

export type { DomainEvent } from '../events/domain-event';
export type { DomainEventKind as EventKind } from '../events/outbox';
export { AppError } from '../errors';
export type { FieldError } from '../errors';
export { listBody, readPage } from '../http/pagination';
export type { JsonSchema };

export interface PluginLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Capped by the instance (PLUGIN_HTTP_TIMEOUT_MS); 10 s by default. */
  timeoutMs?: number;
  /** The rest of a longer answer is not read; 64 KiB by default. */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The answer was longer than `maxResponseBytes`. */
  truncated: boolean;
}

/**
 * Outgoing HTTP for plugins: http(s) only, redirects never followed (a 3xx is an answer),
 * bounded time and size, and no private or loopback targets unless the instance allows
 * them (checked on the resolved address, at connection time). Refusals and timeouts
 * throw AppError (`invalid` for a refused target, `unavailable` for a network failure).
 */
export interface PluginHttpClient {
  request(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /** Resolves the URL's host and refuses what `request` would refuse: for checks on save. */
  checkTarget(url: string): Promise<void>;
}

/** Values encrypted at rest (AES-256-GCM), per territory and plugin. */
export interface PluginSecrets {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface PluginJobOptions {
  /** Adding a job whose id is still queued does nothing: give one to make adds idempotent. */
  jobId?: string;
  /** Attempts before the job is given up (retried with growing delays); 1 by default. */
  attempts?: number;
  delayMs?: number;
}

/** The plugin's own jobs (declared in `jobs`), run for the same territory and organisation. */
export interface PluginQueue {
  add(job: string, payload: unknown, options?: PluginJobOptions): Promise<void>;
}

/**
 * SQL on the plugin's own tables (created by its `migrations`), in a transaction of the
 * context's territory: row-level security hides every other territory. Inside a route the
 * request's transaction is used. Never wait for HTTP inside `transaction`.
 */
export interface PluginDatabase {
  query<T = Record<string, any>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

export interface PluginSettings<Config> {
  enabled: boolean;
  config: Config;
}

export interface PluginContext<Config = Record<string, unknown>> {
  plugin: { name: string; version: string };
  territoryId: string;
  /** The event's or job's organisation; null in routes and for territory-wide work. */
  organisationId: string | null;
  /** The configuration in force here, validated by the plugin's schema. */
  config: Config;
  /** The settings in force for one organisation of the territory. */
  settingsFor(organisationId: string): Promise<PluginSettings<Config>>;
  logger: PluginLogger;
  http: PluginHttpClient;
  secrets: PluginSecrets;
  queue: PluginQueue;
  db: PluginDatabase;
  /** The platform's clock. */
  now(): Date;
}

/** One run of a plugin job. */
export interface PluginJobRun {
  attempt: number;
  attempts: number;
  /** The wait before the next attempt should this one fail; null on the last. */
  nextRetryDelayMs: number | null;
  /** Run this job again later without spending an attempt (waiting for an earlier one). */
  defer(delayMs?: number): never;
}

/** The signed-in agent calling a plugin route, with the platform's access rules (they throw AppError). */
export interface PluginAgent {
  id: string;
  territorialAdmin: boolean;
  /** 404 when the organisation does not exist or the agent is not in it. */
  requireMember(organisationId: string): Promise<void>;
  /** 404 as above, 403 when the agent is not an admin of it. */
  requireOrganisationAdmin(organisationId: string): Promise<void>;
  /** 403 unless a territorial admin. */
  requireTerritorialAdmin(): Promise<void>;
}

export interface PluginRequest<Config = Record<string, unknown>, Body = any> {
  agent: PluginAgent;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Validated against the route's `body` schema. */
  body: Body;
  ctx: PluginContext<Config>;
}

export interface PluginRoute<Config = Record<string, unknown>> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa style, under `/api/v1/plugins/<name>` (`/things/:id`). */
  path: string;
  summary: string;
  /** JSON Schema (2020-12) of the body; field errors come back with their paths. */
  body?: JsonSchema;
  /** PATCH: the same schema with nothing required. */
  partialBody?: boolean;
  /** Success status; a handler returning undefined answers 204. */
  status?: number;
  handle(request: PluginRequest<Config>): Promise<unknown>;
}

export interface PluginMigrationRunner {
  query(sql: string): Promise<unknown>;
  /** Puts a table (with a `territory_id` column) under row-level security. */
  isolateByTerritory(table: string): Promise<void>;
}

export interface PluginMigration {
  /** A 13-digit timestamp: migrations of the platform and plugins run in this order. */
  version: number;
  description: string;
  up(runner: PluginMigrationRunner): Promise<void>;
}

export interface PluginDefinition<Config = Record<string, unknown>> {
  /** Lowercase, digits and dashes: `webhooks`, `sms-ovh`. */
  name: string;
  version: string;
  description: string;
  /** `organisation`: each organisation may override the territory's settings. */
  scope: 'territory' | 'organisation';
  /** JSON Schema (2020-12) of the configuration; its `default` is the configuration before any is saved. */
  configSchema: JsonSchema;
  /** On until a territory turns it off (default: off until turned on). */
  enabledByDefault?: boolean;
  /** The events `onEvent` receives: `motif.created`, `rdv.*`, `*.destroyed`, `*`. */
  events?: string[];
  /** Runs after commit, through the queue, retried on failure; must be idempotent. */
  onEvent?(event: DomainEvent, ctx: PluginContext<Config>): Promise<void>;
  jobs?: Record<string, (payload: any, ctx: PluginContext<Config>, run: PluginJobRun) => Promise<void>>;
  routes?: PluginRoute<Config>[];
  migrations?: PluginMigration[];
  /**
   * Queues again the work whose jobs may have been lost (a crash in embedded mode, an emptied
   * Redis): called per territory when the pipeline starts (`staleAfterMs` 0), then every few
   * minutes for work untouched that long. The queue drops adds whose job id is still queued.
   */
  recover?(ctx: PluginContext<Config>, staleAfterMs: number): Promise<void>;
}

/** Gives plugin authors types; the host validates the manifest when it loads the plugin. */
export function definePlugin<Config = Record<string, unknown>>(definition: PluginDefinition<Config>): PluginDefinition<Config> {
  return definition;
}

/** Whether `model.event` matches one of the patterns (`rdv.*`, `*.created`, `*`). */
export function eventMatches(patterns: readonly string[], model: string, event: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    const [patternModel, patternEvent] = pattern.split('.');
    return (patternModel === '*' || patternModel === model) && (patternEvent === '*' || patternEvent === event);
  });
}
