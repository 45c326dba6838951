import { endedPlagesPurge } from '../agenda/purge';
import { bookingMaintenance } from '../booking/maintenance';
import { exportsHousekeeping, registerExportJobs } from '../exports/housekeeping';
import { PeriodicTasks } from '../jobs/periodic';
import type { PlatformConfig } from '../config';
import { tx } from '../db/database';
import type { JobQueue } from '../jobs/queue';
import { errorMessage, LogSink } from '../logging';
import { NotificationJobs } from '../notifications/jobs';
import type { Platform } from '../platform';
import { PluginHost } from '../plugins/host';
import { retentionJob } from '../retention/jobs';
import { PLUGINS } from '../plugins/registry';
import type { PluginDefinition } from '../plugins/sdk';
import { consumerJobName, consumerJobOptions, ConsumerJobPayload, EventConsumer, runConsumerJob } from './consumers';
import { eventOf, OUTBOX_EVENT_COLUMNS, OutboxDispatcher } from './dispatcher';

const RECOVERY_BATCH = 1_000;

/**
 * Whether `npm start` runs the pipeline itself. With REDIS_URL and a shared PostgreSQL,
 * it does not: API processes stay request servers and only enqueue (plugin routes), while
 * `npm run worker` processes dispatch and consume. Otherwise nothing else could (the queue
 * is in this process, or the embedded database is), so `npm start` alone delivers.
 */
export function apiRunsPipeline(config: PlatformConfig): boolean {
  return !config.redisUrl || !config.databaseUrl;
}

export interface EventPipelineOptions {
  /** The installed plugins by default; tests add their own. */
  plugins?: readonly PluginDefinition<any>[];
  log: LogSink;
}

/**
 * Outbox → dispatcher → queue → consumers, in one process. `npm run worker` runs it;
 * so does `npm start` when it has the queue to itself (see main.ts). Several may run
 * side by side on one PostgreSQL and Redis.
 */
export class EventPipeline {
  private recoveryTimer?: NodeJS.Timeout;
  private recovering?: Promise<void>;

  private constructor(
    private readonly platform: Platform,
    private readonly queue: JobQueue,
    readonly dispatcher: OutboxDispatcher,
    private readonly consumers: readonly EventConsumer[],
    private readonly host: PluginHost,
    private readonly log: LogSink,
    private readonly housekeeping: PeriodicTasks,
  ) {}

  /** Registers the handlers, starts consuming, dispatching and, periodically, recovering. */
  static async start(platform: Platform, queue: JobQueue, options: EventPipelineOptions): Promise<EventPipeline> {
    const { log } = options;
    const settings = platform.config.jobs;
    const host = new PluginHost(platform, options.plugins ?? PLUGINS, log);
    // Core consumers first (notifications), then the plugins'.
    const notifications = new NotificationJobs(platform, queue, log);
    notifications.registerJobs();
    const consumers = [notifications.consumer, ...host.consumers()];
    for (const consumer of consumers) {
      queue.process(consumerJobName(consumer.name), (job) => runConsumerJob(platform.db, consumer, job, settings, log));
    }
    registerExportJobs(platform, queue, log);
    host.registerJobs(queue);
    await queue.start();
    const dispatcher = new OutboxDispatcher(platform.db, queue, consumers, settings, log);
    const housekeeping = new PeriodicTasks(platform, [notifications.reminderSweep(), bookingMaintenance, endedPlagesPurge, retentionJob, exportsHousekeeping], log);
    const pipeline = new EventPipeline(platform, queue, dispatcher, consumers, host, log, housekeeping);
    dispatcher.start();
    housekeeping.start();
    // At start, anything pending may have lost its job (the in-process queue starts empty).
    pipeline.recovering = pipeline.recover(0);
    pipeline.recoveryTimer = setInterval(() => {
      pipeline.recovering = pipeline.recover(settings.recoveryMs);
    }, settings.recoveryMs);
    return pipeline;
  }

  /**
   * Queues again the consumer jobs of events still pending after `staleAfterMs`, and lets
   * plugins do the same for their own work. Job ids make this harmless when the jobs exist.
   */
  async recover(staleAfterMs: number): Promise<void> {
    try {
      const rows = await this.platform.db.system(() => tx().query(
        `SELECT r.consumer, ${OUTBOX_EVENT_COLUMNS}
           FROM consumer_receipts r
           JOIN outbox_events o ON o.id = r.event_id
           JOIN territories t ON t.id = o.territory_id
          WHERE r.status = 'pending' AND r.updated_at < now() - $1 * interval '1 millisecond'
          ORDER BY r.event_id
          LIMIT $2`,
        [staleAfterMs, RECOVERY_BATCH],
      ));
      for (const row of rows) {
        if (!this.consumers.some((consumer) => consumer.name === row.consumer)) continue;
        const payload: ConsumerJobPayload = { event: eventOf(row) };
        await this.queue.add(consumerJobName(row.consumer), payload, consumerJobOptions(String(row.id), row.consumer, this.platform.config.jobs));
      }
      await this.host.recover(staleAfterMs);
    } catch (error) {
      this.log('error', 'recovery failed, will retry', { error: errorMessage(error) });
    }
  }

  /** Stops dispatching and recovering; the queue is closed by whoever opened it. */
  async stop(): Promise<void> {
    clearInterval(this.recoveryTimer);
    await this.dispatcher.stop();
    await this.housekeeping.stop();
    await this.recovering;
  }
}
