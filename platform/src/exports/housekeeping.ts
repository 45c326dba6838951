import { tx } from '../db/database';
import type { PeriodicTask } from '../jobs/periodic';
import type { JobQueue } from '../jobs/queue';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { EXPORT_JOB, ExportJobPayload, runExportJob } from './build';
import { deleteExpiredExports } from './store';

/** A request older than this still pending lost its job (a process stopped before it ran): it is queued again. */
const STALE_PENDING_MS = 60_000;

export function exportJobOptions(exportId: string) {
  return { jobId: `export:${exportId}`, attempts: 3, backoff: { type: 'exponential' as const, delay: 5_000 } };
}

/** The pipeline's process builds exports. */
export function registerExportJobs(platform: Platform, queue: JobQueue, log: LogSink): void {
  queue.process(EXPORT_JOB, (job) => runExportJob(platform, job, log));
}

/** Every 10 minutes: exports past their time are deleted with their files, lost requests queued again. */
export const exportsHousekeeping: PeriodicTask = {
  name: 'exports housekeeping',
  everyMs: 10 * 60_000,
  async run(platform) {
    const now = platform.clock.now();
    await deleteExpiredExports(platform, now);
    if (!platform.queue) return;
    const stale: { id: string; territory_id: string }[] = await platform.db.system(() => tx().query(
      `SELECT id, territory_id FROM exports WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 100`,
      [new Date(now.getTime() - STALE_PENDING_MS)]));
    for (const row of stale) {
      const payload: ExportJobPayload = { territoryId: row.territory_id, exportId: row.id };
      await platform.queue.add(EXPORT_JOB, payload, exportJobOptions(row.id));
    }
  },
};
