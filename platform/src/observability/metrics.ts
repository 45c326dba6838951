import client from 'prom-client';
import { DataSource } from 'typeorm';
import type { Platform } from '../platform';

/**
 * The process's Prometheus metrics, served at /metrics (observability/http.ts). One registry
 * per process: Prometheus scrapes every API process and worker and adds them up.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'lapin_' });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpDuration = new client.Histogram({
  name: 'lapin_http_request_duration_seconds',
  help: 'HTTP requests by route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const creneauxSearchDuration = new client.Histogram({
  name: 'lapin_creneaux_search_duration_seconds',
  help: 'Créneaux searches and next availability, answered through HTTP',
  labelNames: ['route'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const jobRuns = new client.Counter({
  name: 'lapin_jobs_total',
  help: 'Job runs by job name (notifications, each event consumer such as webhooks, reminders) and result',
  labelNames: ['job', 'result'] as const,
  registers: [registry],
});

export const jobDuration = new client.Histogram({
  name: 'lapin_job_duration_seconds',
  help: 'Job runs by job name',
  labelNames: ['job'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const jobsRunning = new client.Gauge({
  name: 'lapin_jobs_running',
  help: 'Jobs running in this process',
  registers: [registry],
});

/** Read from the database when scraped: what is waiting, for how long, and the pool. */
export function registerPlatformGauges(platform: Platform): void {
  const outbox = new client.Gauge({
    name: 'lapin_outbox_pending_events', help: 'Domain events not yet dispatched to their consumers', registers: [registry],
    // One query for the four figures, made once per scrape by the first of them collected.
    collect: () => readBacklog(),
  });
  const outboxLag = new client.Gauge({
    name: 'lapin_outbox_lag_seconds', help: 'Age of the oldest undispatched domain event (0 when none)', registers: [registry],
  });
  const pending = new client.Gauge({
    name: 'lapin_queue_pending_jobs', help: 'Consumer jobs (webhooks, plugins, notifications) waiting or retrying', registers: [registry],
  });
  const pendingAge = new client.Gauge({
    name: 'lapin_queue_oldest_pending_seconds', help: 'Age of the oldest waiting consumer job (0 when none)', registers: [registry],
  });
  new client.Gauge({
    name: 'lapin_db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients); absent on the embedded engine',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = poolOf(platform.db.dataSource);
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  async function readBacklog(): Promise<void> {
    const [row] = await platform.db.systemStatement<{ events: string; lag: number | null; jobs: string; age: number | null }>(
      `SELECT (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL) AS events,
              (SELECT extract(epoch FROM now() - min(occurred_at))::float8 FROM outbox_events WHERE dispatched_at IS NULL) AS lag,
              (SELECT count(*) FROM consumer_receipts WHERE status = 'pending') AS jobs,
              (SELECT extract(epoch FROM now() - min(updated_at))::float8 FROM consumer_receipts WHERE status = 'pending') AS age`,
      [],
    );
    outbox.set(Number(row.events));
    outboxLag.set(Math.max(0, row.lag ?? 0));
    pending.set(Number(row.jobs));
    pendingAge.set(Math.max(0, row.age ?? 0));
  }
}

interface PgPool { totalCount: number; idleCount: number; waitingCount: number }

function poolOf(dataSource: DataSource): PgPool | undefined {
  const master = (dataSource.driver as { master?: Partial<PgPool> }).master;
  return typeof master?.totalCount === 'number' ? (master as PgPool) : undefined;
}
