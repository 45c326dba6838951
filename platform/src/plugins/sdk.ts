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
import type { FieldError } from '../errors';
import type { LieuRead } from '../lieux/reads';
export type { FieldError };
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
  /** Secrets of one agent (an OAuth token), encrypted like `secrets`, apart from the territory's and other agents'. */
  agentSecrets(agentId: string): PluginSecrets;
  queue: PluginQueue;
  db: PluginDatabase;
  /** The platform's clock. */
  now(): Date;
  /** Reads of the core (organisations, lieux, motifs, rdvs, créneaux), in this territory. */
  core: PluginCore;
  /** The instance settings the plugin declares (`instanceSettings`), from the environment. */
  instance: Record<string, string | undefined>;
}

// ---------------------------------------------------------------------------
// Reading the core. Plugins never run SQL on core tables: they read through the
// same operations the API uses, in the context's territory (row-level security on).
// ---------------------------------------------------------------------------

export interface CoreOrganisation {
  id: string;
  name: string;
  slug: string;
  /** Whether this plugin is on for the organisation (its territory's settings, or the organisation's own). */
  plugin_enabled: boolean;
}

/** A lieu, with its one-line address and its structured one with coordinates (null until entered: ANTS needs them). */
export type CoreLieu = LieuRead;

export interface CoreMotif {
  id: string;
  organisation_id: string;
  name: string;
  service_id: string;
  /** `cni`, `passport`, `cni_passport`, ... or null. */
  category: string | null;
  default_duration_in_min: number;
  location_type: 'public_office' | 'phone' | 'home' | 'visio';
  bookable_by: 'agents' | 'agents_and_prescripteurs' | 'everyone';
  collectif: boolean;
}

/** An agent of the territory, as a plugin needs it to address them at a partner (a sign-in hint). */
export interface CoreAgent {
  id: string;
  first_name: string | null;
  last_name: string | null;
  /** Null for an intervenant (an agenda without a login). */
  email: string | null;
}

export interface CoreRdvUsager {
  /** The usager's id. */
  id: string;
  participation_id: string;
  first_name: string;
  last_name: string;
  /** unknown, seen, excused, revoked, noshow. */
  participation_status: string;
  /** The usager fiche's custom fields, plugin fields included. */
  custom_fields: Record<string, unknown>;
}

export interface CoreRdv {
  id: string;
  organisation_id: string;
  motif_id: string;
  /** The label of the motif's option chosen at booking (e.g. « Passeport »), null when the motif has none; core reads always give it. */
  motif_option?: string | null;
  lieu_id: string | null;
  /** ISO 8601 with the territory's UTC offset (`2027-01-05T09:00:00+01:00`). */
  starts_at: string;
  ends_at: string;
  status: string;
  /** Cancelled (excused, revoked), or a pending online hold: no appointment stands. */
  cancelled: boolean;
  agent_ids: string[];
  /** Active participants first; those who left keep a cancelled participation_status. */
  usagers: CoreRdvUsager[];
  /** The rdv fiche's custom fields, plugin fields included. */
  custom_fields: Record<string, unknown>;
}

export interface CoreCreneau {
  /** ISO 8601 with the territory's UTC offset. */
  starts_at: string;
  ends_at: string;
  lieu_id: string;
  motif_id: string;
  agent_id: string;
}

export interface CoreCreneauxSearch {
  motifId: string;
  /** Only these lieux of the motif's organisation (default: every public lieu). */
  lieuIds?: string[];
  /** Days in the territory's zone, `YYYY-MM-DD`, both included (at most 6 months). */
  from: string;
  to: string;
  /** The créneau's length instead of the motif's duration (e.g. several documents). */
  durationInMin?: number;
  /** What an usager may book online (default), or an agent. */
  audience?: 'public' | 'agent';
}

export interface PluginCore {
  /** The territory's IANA time zone (`Europe/Paris`). */
  timeZone(): Promise<string>;
  organisations(): Promise<CoreOrganisation[]>;
  lieux(filter?: { organisationIds?: string[]; ids?: string[] }): Promise<CoreLieu[]>;
  motifs(filter?: { organisationIds?: string[]; ids?: string[]; categories?: string[] }): Promise<CoreMotif[]>;
  /** An rdv with its usagers, or null (deleted, unknown, another territory). */
  rdv(id: string): Promise<CoreRdv | null>;
  /** An agent of the territory (not removed), or null. */
  agent(id: string): Promise<CoreAgent | null>;
  /** The agent's rdvs ending after `endsAfter`, cancelled ones included, oldest first (an initial sync). */
  rdvsOfAgent(query: { agentId: string; endsAfter: Date }): Promise<CoreRdv[]>;
  /** Rdvs ending after `endsAfter`, whose usagers carry `usagerField` with one of `values` (e.g. pré-demande numbers). */
  rdvsByUsagerField(query: { field: string; values: string[]; endsAfter: Date }): Promise<CoreRdv[]>;
  /** Free créneaux, as the API's search finds them (delays, plages, absences, holidays, closures). */
  creneaux(search: CoreCreneauxSearch): Promise<CoreCreneau[]>;
  links: {
    /** The public portal's booking of that créneau, ready to confirm. */
    publicCreneau(creneau: { organisationId: string; motifId: string; lieuId: string; startsAt: string }): Promise<string>;
    /** The usager's self-service page of a participation (a link valid until the rdv is over). */
    manageParticipation(participationId: string): Promise<string>;
    /** The rdv's fiche in the admin UI. */
    adminRdv(rdvId: string): string;
    /** « Mon compte » in the admin UI, with `query` (an OAuth callback sending the agent back with its result). */
    adminAccount(query?: Record<string, string>): string;
    /** An organisation's page on the public portal, by its slug. */
    publicOrganisation(slug: string): string;
    /** The base URL of this plugin's partner routes (`<public URL>/api/<plugin>`): what the partner is told. */
    partnerRoutes(): string;
  };
}

// ---------------------------------------------------------------------------
// Checks before commit: a plugin examines a booking inside the request.
// ---------------------------------------------------------------------------

export type BookingChange = 'created' | 'moved' | 'usagers' | 'fields';

export interface BookingCheckUsager {
  /** Null for an online booker whose fiche is written on confirmation. */
  id: string | null;
  /** The usager fiche's custom fields as they will be (plugin fields included). */
  custom_fields: Record<string, unknown>;
  /** Where this usager's custom fields are in the request: `user.custom_fields` (online), `user_ids.0` (agent). */
  path: string;
}

export interface BookingCheck {
  /** What the request does to the rdv (a move may also change its usagers). */
  changes: BookingChange[];
  /** `agent`: the agent API; `online`: an usager or a prescripteur on the public portal. */
  channel: 'agent' | 'online';
  organisationId: string;
  /** Null for a new rdv. */
  rdvId: string | null;
  motif: CoreMotif;
  lieu: CoreLieu | null;
  /** ISO 8601 with the territory's UTC offset. */
  starts_at: string;
  ends_at: string;
  /** The rdv's active usagers after the change. */
  usagers: BookingCheckUsager[];
  /** The rdv fiche's custom fields after the change. */
  custom_fields: Record<string, unknown>;
}

export interface BookingCheckResult {
  /** Refuses the request (422), nothing written. */
  errors?: FieldError[];
  /** Refuses it (409) until the caller confirms (`force: true`, online `accept_warnings: true`). */
  warnings?: FieldError[];
}

export interface PluginChecks<Config> {
  /**
   * Runs for organisations where the plugin is on, before the booking commits. An AppError it
   * throws reaches the caller as it is (e.g. 503 with the partner's French message); any other
   * throw refuses the booking with a generic 503.
   */
  booking?(check: BookingCheck, ctx: PluginContext<Config>): Promise<BookingCheckResult | void>;
  /**
   * Longest the checks may take (default 5 s, capped by the instance): past it the booking is
   * refused with `timeoutMessage` (503), never left hanging.
   */
  timeoutMs?: number;
  /** What the caller reads when the checks did not answer in time (French, for usagers). */
  timeoutMessage?: string;
}

// ---------------------------------------------------------------------------
// Fields on forms: a plugin adds fields to the usager or rdv fiche.
// ---------------------------------------------------------------------------

export interface PluginField {
  /** The usager fiche (`user`) or the rdv fiche (`rdv`). */
  form: 'user' | 'rdv';
  /** Stored in the fiche's `custom_fields`; starts with the plugin's name in snake case (`ants_pre_demande_number`). */
  name: string;
  /** French, as the UIs show it. */
  label: string;
  description?: string;
  /** JSON Schema (2020-12) of the value; the API validates it like a territory's own field. */
  schema: JsonSchema;
  /** Shown on the public portal too. */
  public: boolean;
  /** Only for rdvs of motifs of these categories (absent: every motif): the UIs show it there only. */
  motifCategories?: string[];
  /** Applied to a valid value before it is stored (e.g. upper-casing). */
  normalize?(value: unknown): unknown;
}

// ---------------------------------------------------------------------------
// Partner routes: the partner calls the platform, outside the agent API.
// ---------------------------------------------------------------------------

/** A partner route's answer with its own status and body (partners' contracts are not problem+json). */
export class PartnerReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}

  /** Sends the browser to `location` (302): an OAuth callback going back to the UI. */
  static redirect(location: string): PartnerReply {
    return new PartnerReply(302, `Redirecting to ${location}`, { location });
  }
}

export interface PartnerRequest<Config = Record<string, unknown>> {
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
  /** A repeated parameter (`ids=A&ids=B`) is an array; `ids[]=` is not special. */
  query: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  body: unknown;
  /** The instance settings the plugin declares (`instanceSettings`), from the environment. */
  instance: Record<string, string | undefined>;
  /** Runs `work` in each territory where the plugin is on, each in its own tenant transaction. */
  forEachTerritory<T>(work: (ctx: PluginContext<Config>) => Promise<T>): Promise<T[]>;
  /** Runs `work` in one territory (e.g. named by an OAuth `state`), in its tenant transaction. */
  inTerritory<T>(territoryId: string, work: (ctx: PluginContext<Config>) => Promise<T>): Promise<T>;
  /** Compares a secret the partner sent with the expected one in constant time. */
  sameSecret(given: string | undefined, expected: string | undefined): boolean;
}

export interface PartnerRoute<Config = Record<string, unknown>> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Under `/api/<plugin name>` (`/getManagedMeetingPoints`). */
  path: string;
  summary: string;
  /**
   * The route authenticates its caller itself (a header token, an OAuth `state`): throw
   * `AppError('unauthenticated', ...)` or answer a `PartnerReply` before reading anything.
   * A returned `PartnerReply` keeps its status and body; anything else is 200 JSON.
   */
  handle(request: PartnerRequest<Config>): Promise<unknown>;
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
  /** The organisations the agent belongs to (a territorial admin's own roles, not every organisation). */
  organisationIds: string[];
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

/**
 * What a plugin keeps about people in its own tables past its use (RGPD): the platform's
 * daily retention job runs it in every territory, and shows its count in the territory's
 * preview. `cutoff` is the instance's `RETENTION_EVENT_DAYS` ago (what settled before it is
 * due), or with `period: 'rdvs'` the start before which the same run deletes rdvs.
 */
export interface PluginRetention<Config = Record<string, unknown>> {
  /** Its name in the preview, in snake case: `webhook_deliveries`. */
  kind: string;
  /** Which period `cutoff` ends: `events` (the default) or `rdvs`, for rows that go with their rdv. */
  period?: 'events' | 'rdvs';
  /** How many rows are due in the context's territory. */
  count(ctx: PluginContext<Config>, cutoff: Date): Promise<number>;
  /** Deletes (or scrubs) at most `limit` due rows; answers how many, so that fewer than `limit` means done. */
  purge(ctx: PluginContext<Config>, cutoff: Date, limit: number): Promise<number>;
  /** Erases what these rows hold about an usager being anonymised, in the transaction that anonymises them. */
  forgetUsager?(ctx: PluginContext<Config>, userId: string): Promise<void>;
  /** Forgets what is kept about an agent being removed (by an admin or the job), in the transaction that removes them. */
  forgetAgent?(ctx: PluginContext<Config>, agentId: string): Promise<void>;
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
  /** Checks run inside booking requests, before commit. */
  checks?: PluginChecks<Config>;
  /** Fields the plugin adds to the usager or rdv fiche, where it is on. */
  fields?: PluginField[];
  /** Routes for the partner, under `/api/<name>`, authenticated by the plugin. */
  partnerRoutes?: PartnerRoute<Config>[];
  /** Instance settings read from the environment: `{ hubToken: { env: 'ANTS_HUB_AUTH_TOKEN', description: '...' } }`. */
  instanceSettings?: Record<string, { env: string; description: string }>;
  /**
   * Queues again the work whose jobs may have been lost (a crash in embedded mode, an emptied
   * Redis): called per territory when the pipeline starts (`staleAfterMs` 0), then every few
   * minutes for work untouched that long. The queue drops adds whose job id is still queued.
   */
  recover?(ctx: PluginContext<Config>, staleAfterMs: number): Promise<void>;
  /** RGPD retention of the plugin's own records (deliveries, logs): deleted by the daily job once due, even where the plugin is off. */
  retention?: PluginRetention<Config>[];
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
