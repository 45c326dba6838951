/**
 * Runs a plugin's handlers, jobs, routes and partner routes without the platform: a fake
 * context with captured logs and queued jobs, configuration, secrets, instance settings
 * and the core's records in memory (the configuration checked by the plugin's schema, as
 * the platform would), and the real HTTP client. plugins/README.md shows it in use.
 */
import crypto from 'node:crypto';
import { AppError } from '../platform/src/errors';
import { createAjv, toFieldErrors } from '../platform/src/http/schemas';
import { JobDeferred } from '../platform/src/jobs/queue';
import { compileBody } from '../platform/src/plugins/body';
import { pluginDocumentSchema } from '../platform/src/plugins/config';
import { HttpClient } from '../platform/src/plugins/http-client';
import { sameSecret } from '../platform/src/plugins/partner-routes';
import {
  CoreAgent, CoreCreneau, CoreCreneauxSearch, CoreLieu, CoreMotif, CoreOrganisation, CoreRdv, DomainEvent, PartnerReply, PluginAgent,
  PluginContext, PluginCore, PluginDefinition, PluginJobOptions, PluginJobRun, PluginSecrets, PluginSettings,
} from '../platform/src/plugins/sdk';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface QueuedJob {
  job: string;
  payload: unknown;
  options: PluginJobOptions;
}

export interface HarnessOptions<Config> {
  /** Checked by the plugin's schema; the schema's default when absent. */
  config?: Config;
  enabled?: boolean;
  /** Settings of organisations that differ from the territory's (organisation-scoped plugins). */
  organisations?: Record<string, PluginSettings<Config>>;
  secrets?: Record<string, string>;
  territoryId?: string;
  organisationId?: string | null;
  /** Tests talk to receivers on 127.0.0.1: allowed unless set to false. */
  allowPrivateTargets?: boolean;
  httpTimeoutMs?: number;
  now?: Date;
  /** What `ctx.core` reads; organisations say whether the plugin is on from `enabled` and `organisations`. */
  core?: Partial<CoreRecords>;
  /** `ctx.instance` and partner requests' `instance`. */
  instance?: Record<string, string | undefined>;
  /** Base of `ctx.core.links`; `https://rdv.test` by default. */
  publicUrl?: string;
}

/** The core's records a test gives the harness. */
export interface CoreRecords {
  timeZone: string;
  organisations: Omit<CoreOrganisation, 'plugin_enabled'>[];
  agents: CoreAgent[];
  lieux: CoreLieu[];
  motifs: CoreMotif[];
  rdvs: CoreRdv[];
  /** What créneaux searches find: those of the motif, lieux and days asked (`durationInMin` is only recorded). */
  creneaux: CoreCreneau[];
}

/** A partner route's answer as the platform sends it (an AppError thrown is not caught: expect the rejection). */
export interface PartnerAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface AgentOptions {
  /** `agent-under-test` by default. */
  id?: string;
  territorialAdmin?: boolean;
  /** organisation id → access level. */
  roles?: Record<string, 'basic' | 'admin' | 'intervenant'>;
}

/** Checks a configuration as the platform does when an admin saves it; AppError with field paths otherwise. */
export function validateConfig<Config>(plugin: PluginDefinition<Config>, config: unknown): Config {
  const validate = createAjv().compile(pluginDocumentSchema(plugin));
  if (!validate({ enabled: true, config })) throw AppError.invalid(`Invalid configuration of ${plugin.name}`, toFieldErrors(validate.errors));
  return config as Config;
}

/** A domain event as the platform delivers it; override what the test is about. */
export function testEvent(overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: '1', model: 'motif', event: 'created', record_id: crypto.randomUUID(), payload: {},
    organisation_id: crypto.randomUUID(), territory_id: crypto.randomUUID(), occurred_at: '2026-03-02T10:00:00.000+01:00',
    ...overrides,
  };
}

export class PluginTestHarness<Config> {
  readonly logs: LogEntry[] = [];
  readonly jobs: QueuedJob[] = [];
  readonly secrets: Map<string, string>;
  /** The créneaux searches the plugin made, in order. */
  readonly creneauxSearches: CoreCreneauxSearch[] = [];
  readonly ctx: PluginContext<Config>;
  private readonly settings: PluginSettings<Config>;

  constructor(readonly plugin: PluginDefinition<Config>, private readonly options: HarnessOptions<Config> = {}) {
    const config = validateConfig(plugin, options.config ?? plugin.configSchema.default ?? {});
    this.settings = { enabled: options.enabled ?? true, config };
    this.secrets = new Map(Object.entries(options.secrets ?? {}));
    this.ctx = this.context(options.organisationId ?? null);
  }

  /** What the plugin logged at `level`, as `message` strings. */
  messages(level: LogEntry['level']): string[] {
    return this.logs.filter((entry) => entry.level === level).map((entry) => entry.message);
  }

  /** Runs `onEvent` as the platform would after commit, for the event's organisation. A throw is the failure the platform would retry. */
  async sendEvent(overrides: Partial<DomainEvent> = {}): Promise<void> {
    if (!this.plugin.onEvent) throw new Error(`${this.plugin.name} has no onEvent`);
    const event = testEvent({ territory_id: this.ctx.territoryId, ...overrides });
    await this.plugin.onEvent(event, this.context(event.organisation_id));
  }

  /** Runs a job handler; `deferred` tells whether it asked to run later. */
  async runJob(job: string, payload: unknown, run: Partial<Omit<PluginJobRun, 'defer'>> = {}): Promise<{ deferred: boolean }> {
    const handler = this.plugin.jobs?.[job];
    if (!handler) throw new Error(`${this.plugin.name} has no job ${job}`);
    try {
      await handler(payload, this.ctx, {
        attempt: 1, attempts: 1, nextRetryDelayMs: null, ...run,
        defer: (delayMs = 0) => {
          throw new JobDeferred(delayMs);
        },
      });
      return { deferred: false };
    } catch (error) {
      if (error instanceof JobDeferred) return { deferred: true };
      throw error;
    }
  }

  /** Calls a route as an agent (a territorial admin unless told otherwise); the body is checked by the route's schema. */
  async callRoute(method: string, path: string, request: { body?: unknown; params?: Record<string, string>; query?: Record<string, string>; agent?: AgentOptions } = {}): Promise<unknown> {
    const route = this.plugin.routes?.find((candidate) => candidate.method === method && candidate.path === path);
    if (!route) throw new Error(`${this.plugin.name} has no route ${method.toUpperCase()} ${path}`);
    if (route.body) compileBody(route.body, route.partialBody ?? false)(request.body ?? {});
    return route.handle({
      agent: testAgent(request.agent ?? { territorialAdmin: true }),
      params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? {}, ctx: this.ctx,
    });
  }

  /** Calls a partner route (its declared path, `params` for its `:names`), as the partner would, in the harness's territory. */
  async callPartnerRoute(
    method: string, path: string,
    request: { headers?: Record<string, string>; query?: Record<string, string | string[]>; params?: Record<string, string>; body?: unknown } = {},
  ): Promise<PartnerAnswer> {
    const route = this.plugin.partnerRoutes?.find((candidate) => candidate.method === method && candidate.path === path);
    if (!route) throw new Error(`${this.plugin.name} has no partner route ${method.toUpperCase()} ${path}`);
    const onHere = this.settings.enabled || Object.values(this.options.organisations ?? {}).some((settings) => settings.enabled);
    const ctx = this.context(null);
    const answer = await route.handle({
      headers: Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
      query: request.query ?? {},
      params: request.params ?? {},
      body: request.body,
      instance: this.options.instance ?? {},
      forEachTerritory: async (work) => (onHere ? [await work(ctx)] : []),
      async inTerritory(territoryId, work) {
        if (territoryId !== ctx.territoryId) throw AppError.notFound('Territory');
        return work(ctx);
      },
      sameSecret,
    });
    if (answer instanceof PartnerReply) return { status: answer.status, body: answer.body, headers: answer.headers };
    return { status: answer === undefined ? 204 : 200, body: answer, headers: {} };
  }

  private settingsFor(organisationId: string | null): PluginSettings<Config> {
    return (organisationId && this.options.organisations?.[organisationId]) || this.settings;
  }

  private context(organisationId: string | null): PluginContext<Config> {
    const territoryId = this.options.territoryId ?? 'territory-under-test';
    const log = (level: LogEntry['level']) => (message: string, fields: Record<string, unknown> = {}) => {
      this.logs.push({ level, message, fields });
    };
    return {
      plugin: { name: this.plugin.name, version: this.plugin.version },
      territoryId,
      organisationId,
      config: this.settingsFor(organisationId).config,
      settingsFor: async (organisation) => this.settingsFor(organisation),
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      http: new HttpClient({ allowPrivateTargets: this.options.allowPrivateTargets ?? true, maxTimeoutMs: this.options.httpTimeoutMs ?? 10_000 }),
      secrets: this.secretsUnder(''),
      agentSecrets: (agentId) => this.secretsUnder(`agent/${agentId}/`),
      queue: { add: async (job, payload, options = {}) => void this.jobs.push({ job, payload, options }) },
      db: {
        query: () => Promise.reject(new AppError('unavailable', 'The test harness has no database: test plugins with tables in tests/integration')),
        transaction: (work) => work(),
      },
      now: () => this.options.now ?? new Date(),
      core: this.core(),
      instance: this.options.instance ?? {},
    };
  }

  /** Secrets in `secrets`, an agent's under `agent/<id>/<name>`. */
  private secretsUnder(prefix: string): PluginSecrets {
    return {
      get: async (name) => this.secrets.get(prefix + name) ?? null,
      set: async (name, value) => void this.secrets.set(prefix + name, value),
      delete: async (name) => void this.secrets.delete(prefix + name),
    };
  }

  /** `ctx.core` over the test's records, filtered as the platform filters. */
  private core(): PluginCore {
    const records: CoreRecords = { timeZone: 'Europe/Paris', agents: [], organisations: [], lieux: [], motifs: [], rdvs: [], creneaux: [], ...this.options.core };
    const publicUrl = this.options.publicUrl ?? 'https://rdv.test';
    const within = <T>(ids: readonly T[] | undefined, value: T) => !ids || ids.includes(value);
    const found = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw AppError.notFound(what);
      return value;
    };
    return {
      timeZone: async () => records.timeZone,
      organisations: async () => records.organisations.map((organisation) => ({ ...organisation, plugin_enabled: this.settingsFor(organisation.id).enabled })),
      lieux: async (filter = {}) => records.lieux.filter((lieu) => within(filter.organisationIds, lieu.organisation_id) && within(filter.ids, lieu.id)),
      motifs: async (filter = {}) => records.motifs.filter((motif) => within(filter.organisationIds, motif.organisation_id) && within(filter.ids, motif.id)
        && within(filter.categories, motif.category ?? '')),
      rdv: async (id) => records.rdvs.find((rdv) => rdv.id === id) ?? null,
      agent: async (id) => records.agents.find((agent) => agent.id === id) ?? null,
      rdvsOfAgent: async ({ agentId, endsAfter }) => records.rdvs
        .filter((rdv) => rdv.agent_ids.includes(agentId) && Date.parse(rdv.ends_at) > endsAfter.getTime())
        .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at)),
      rdvsByUsagerField: async ({ field, values, endsAfter }) => records.rdvs.filter((rdv) => Date.parse(rdv.ends_at) > endsAfter.getTime()
        && rdv.usagers.some((usager) => values.includes(String(usager.custom_fields[field])))),
      creneaux: async (search) => {
        this.creneauxSearches.push(search);
        return records.creneaux.filter((creneau) => creneau.motif_id === search.motifId && within(search.lieuIds, creneau.lieu_id)
          && creneau.starts_at.slice(0, 10) >= search.from && creneau.starts_at.slice(0, 10) <= search.to);
      },
      links: {
        async publicCreneau({ organisationId, motifId, lieuId, startsAt }) {
          const { slug } = found(records.organisations.find((organisation) => organisation.id === organisationId), 'Organisation');
          return `${publicUrl}/public/organisations/${slug}/motifs/${motifId}?lieu_id=${encodeURIComponent(lieuId)}&starts_at=${encodeURIComponent(startsAt)}`;
        },
        async manageParticipation(participationId) {
          found(records.rdvs.find((rdv) => rdv.usagers.some((usager) => usager.participation_id === participationId)), 'Participation');
          return `${publicUrl}/public/rdvs/token-of-${participationId}`;
        },
        adminRdv: (rdvId) => `${publicUrl}/admin/rdvs/${rdvId}`,
        adminAccount: (query = {}) => `${publicUrl}/admin/account${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`,
        publicOrganisation: (slug) => `${publicUrl}/public/organisations/${encodeURIComponent(slug)}`,
        partnerRoutes: () => `${publicUrl}/api/${this.plugin.name}`,
      },
    };
  }
}

/** An agent with the platform's rules: 404 outside one's organisations, 403 without admin rights. */
function testAgent({ id = 'agent-under-test', territorialAdmin = false, roles = {} }: AgentOptions): PluginAgent {
  const member = (organisationId: string) => {
    if (!territorialAdmin && !roles[organisationId]) throw AppError.notFound('Organisation');
  };
  return {
    id,
    territorialAdmin,
    organisationIds: Object.keys(roles),
    requireMember: async (organisationId) => member(organisationId),
    async requireOrganisationAdmin(organisationId) {
      member(organisationId);
      if (!territorialAdmin && roles[organisationId] !== 'admin') throw AppError.forbidden('Only admins of this organisation may do this');
    },
    async requireTerritorialAdmin() {
      if (!territorialAdmin) throw AppError.forbidden('Only territorial admins may do this');
    },
  };
}
