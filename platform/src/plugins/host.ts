import { ConfigStore } from '../configuration/store';
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { EventConsumer } from '../events/consumers';
import type { DomainEvent } from '../events/domain-event';
import { recordJobFailure } from '../events/failures';
import { Job, JobDeferred, JobQueue, withTimeout } from '../jobs/queue';
import { errorMessage, LogSink } from '../logging';
import type { Platform } from '../platform';
import { createPluginCore } from './core-reads';
import { effectiveSettings, pluginConfigKey, PluginDocument, pluginSchemaSource } from './config';
import { HttpClient } from './http-client';
import { checkPlugins } from './manifest';
import { eventMatches, PluginContext, PluginDefinition, PluginJobOptions, PluginSecrets, PluginSettings } from './sdk';
import { secretBoxFor } from './secrets';

type AnyPlugin = PluginDefinition<any>;

/** What a plugin job carries besides the plugin's own payload. */
interface PluginJobPayload {
  territory_id: string;
  organisation_id: string | null;
  payload: unknown;
}

export function pluginConsumerName(plugin: string): string {
  return `plugin-${plugin}`;
}

function pluginJobName(plugin: string, job: string): string {
  return `plugin:${plugin}:${job}`;
}

/** The plugin's settings document in force (its schema's default before any is saved), in the current tenant transaction. */
export async function readPluginDocument(platform: Platform, plugin: AnyPlugin): Promise<PluginDocument> {
  const store = new ConfigStore(platform.schemas, pluginSchemaSource([plugin]));
  const { document } = await store.current(pluginConfigKey(plugin.name));
  return document as unknown as PluginDocument;
}

/** The plugin's settings for an organisation (or the territory), in the current tenant transaction. */
export async function readPluginSettings(platform: Platform, plugin: AnyPlugin, organisationId: string | null): Promise<PluginSettings<any>> {
  return effectiveSettings(await readPluginDocument(platform, plugin), organisationId);
}

/** The instance settings the plugin declares, by their names, from the platform's environment (empty counts as unset). */
export function instanceSettingsOf(platform: Platform, plugin: AnyPlugin): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(plugin.instanceSettings ?? {}).map(([name, { env }]) => [name, platform.config.env[env] || undefined]));
}

export interface ContextScope {
  territoryId: string;
  organisationId: string | null;
  settings: PluginSettings<any>;
}

/** The small world a plugin sees, for one territory (and maybe one organisation). */
export function createPluginContext(platform: Platform, plugin: AnyPlugin, scope: ContextScope, log: LogSink): PluginContext<any> {
  const { territoryId, organisationId } = scope;
  const inTerritory = <T>(work: () => Promise<T>) => platform.db.tenant(territoryId, work);
  // The structured result gives rows whatever the statement (TypeORM answers [rows, count] for UPDATE).
  const query = <T>(sql: string, parameters: unknown[] = []) =>
    inTerritory(async () => (await tx().queryRunner!.query(sql, parameters, true)).records as T[]);
  // Bound to where the secret belongs: a sealed value copied to another plugin, territory or agent does not open.
  const secretsUnder = (prefix: string): PluginSecrets => {
    const place = (name: string) => {
      // Names hold no '/': an agent's secrets (`agent/<id>/...`) stay apart from the territory's.
      if (name.includes('/')) throw new Error(`A secret's name may not contain "/": ${name}`);
      return `${territoryId}/${plugin.name}/${prefix}${name}`;
    };
    return {
      async get(name) {
        const where = place(name);
        const [row] = await query<{ sealed: string }>(`SELECT sealed FROM plugin_secrets WHERE plugin = $1 AND name = $2`, [plugin.name, prefix + name]);
        return row ? secretBoxFor(platform.config).open(row.sealed, where) : null;
      },
      async set(name, value) {
        await query(
          `INSERT INTO plugin_secrets (territory_id, plugin, name, sealed) VALUES ($1, $2, $3, $4)
           ON CONFLICT (territory_id, plugin, name) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
          [territoryId, plugin.name, prefix + name, secretBoxFor(platform.config).seal(value, place(name))],
        );
      },
      async delete(name) {
        place(name);
        await query(`DELETE FROM plugin_secrets WHERE plugin = $1 AND name = $2`, [plugin.name, prefix + name]);
      },
    };
  };
  const logAs = (level: 'info' | 'warn' | 'error') => (message: string, fields: Record<string, unknown> = {}) =>
    log(level, message, { plugin: plugin.name, territory_id: territoryId, organisation_id: organisationId, ...fields });

  return {
    plugin: { name: plugin.name, version: plugin.version },
    territoryId,
    organisationId,
    config: scope.settings.config,
    settingsFor: (organisation) => inTerritory(() => readPluginSettings(platform, plugin, organisation)),
    logger: { info: logAs('info'), warn: logAs('warn'), error: logAs('error') },
    http: new HttpClient({ allowPrivateTargets: platform.config.allowPrivateWebhookTargets, maxTimeoutMs: platform.config.jobs.httpTimeoutMs }),
    secrets: secretsUnder(''),
    agentSecrets: (agentId) => secretsUnder(`agent/${agentId}/`),
    queue: { add: (job, payload, options) => addPluginJob(platform, plugin, { territory_id: territoryId, organisation_id: organisationId, payload }, job, options) },
    db: { query, transaction: inTerritory },
    now: () => platform.clock.now(),
    core: createPluginCore(platform, plugin.name, territoryId, () => readPluginDocument(platform, plugin)),
    instance: instanceSettingsOf(platform, plugin),
  };
}

async function addPluginJob(platform: Platform, plugin: AnyPlugin, payload: PluginJobPayload, job: string, options: PluginJobOptions = {}): Promise<void> {
  if (!plugin.jobs?.[job]) throw new Error(`The plugin ${plugin.name} has no job ${job}`);
  if (options.jobId?.includes(':')) throw new Error('A job id may not contain ":"');
  if (!platform.queue) throw new AppError('unavailable', 'No job queue runs in this process');
  await platform.queue.add(pluginJobName(plugin.name, job), payload, {
    jobId: options.jobId && `plugin.${plugin.name}.${job}.${options.jobId}`,
    attempts: options.attempts ?? 1,
    backoff: { type: 'exponential', delay: platform.config.jobs.retryBaseMs },
    delay: options.delayMs,
  });
}

/**
 * Runs plugins in the pipeline: each plugin with events is an event consumer, its jobs
 * are queue handlers. A plugin's failure (exception, timeout, hang) fails its own job
 * only; it is logged, kept for admins and retried by the queue.
 */
export class PluginHost {
  constructor(
    private readonly platform: Platform,
    readonly plugins: readonly AnyPlugin[],
    private readonly log: LogSink,
  ) {
    checkPlugins(plugins);
  }

  consumers(): EventConsumer[] {
    return this.plugins.filter((plugin) => plugin.onEvent && plugin.events?.length).map((plugin) => ({
      name: pluginConsumerName(plugin.name),
      handles: (model: string, event: string) => eventMatches(plugin.events!, model, event),
      handle: (event: DomainEvent) => this.handleEvent(plugin, event),
    }));
  }

  registerJobs(queue: JobQueue): void {
    for (const plugin of this.plugins) {
      for (const job of Object.keys(plugin.jobs ?? {})) {
        queue.process(pluginJobName(plugin.name, job), (run) => this.runJob(plugin, job, run));
      }
    }
  }

  /** Lets each plugin queue again the work whose jobs may have been lost. */
  async recover(staleAfterMs: number): Promise<void> {
    const recovering = this.plugins.filter((plugin) => plugin.recover);
    if (!recovering.length) return;
    const territories: { id: string }[] = await this.platform.db.system(() => tx().query(`SELECT id FROM territories ORDER BY id`));
    for (const { id } of territories) {
      for (const plugin of recovering) {
        try {
          const { ctx } = await this.context(plugin, id, null);
          await this.timed(plugin.recover!(ctx, staleAfterMs));
        } catch (error) {
          this.log('error', 'plugin recovery failed', { plugin: plugin.name, territory_id: id, error: errorMessage(error) });
        }
      }
    }
  }

  private async context(plugin: AnyPlugin, territoryId: string, organisationId: string | null): Promise<{ ctx: PluginContext<any>; enabled: boolean }> {
    const settings = await this.platform.db.tenant(territoryId, () => readPluginSettings(this.platform, plugin, organisationId));
    return { ctx: createPluginContext(this.platform, plugin, { territoryId, organisationId, settings }, this.log), enabled: settings.enabled };
  }

  private async handleEvent(plugin: AnyPlugin, event: DomainEvent): Promise<void> {
    const { ctx, enabled } = await this.context(plugin, event.territory_id, event.organisation_id);
    if (enabled) await plugin.onEvent!(event, ctx);
  }

  /** Jobs already queued run even if the plugin was turned off since: they finish what was started. */
  private async runJob(plugin: AnyPlugin, job: string, run: Job<PluginJobPayload>): Promise<void> {
    const { territory_id: territoryId, organisation_id: organisationId, payload } = run.payload;
    try {
      const { ctx } = await this.context(plugin, territoryId, organisationId);
      await this.timed(plugin.jobs![job](payload, ctx, {
        attempt: run.attempt,
        attempts: run.attempts,
        nextRetryDelayMs: run.nextRetryDelayMs,
        defer: (delayMs = this.platform.config.jobs.deferMs) => {
          throw new JobDeferred(delayMs);
        },
      }));
    } catch (error) {
      if (error instanceof JobDeferred) throw error;
      const final = run.attempt >= run.attempts;
      this.log(final ? 'error' : 'warn', 'plugin job failed', { plugin: plugin.name, job, territory_id: territoryId, attempt: run.attempt, final, error: errorMessage(error) });
      await recordJobFailure(this.platform.db, {
        territoryId, consumer: pluginConsumerName(plugin.name), job, eventId: null, attempt: run.attempt, final, error: errorMessage(error),
      });
      throw error;
    }
  }

  private timed<T>(work: Promise<T>): Promise<T> {
    const { handlerTimeoutMs } = this.platform.config.jobs;
    return withTimeout(work, handlerTimeoutMs, `No answer within ${handlerTimeoutMs} ms`);
  }
}
