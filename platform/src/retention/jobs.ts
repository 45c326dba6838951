import { tx } from '../db/database';
import type { PeriodicTask } from '../jobs/periodic';
import { consoleLog, errorMessage } from '../logging';
import { platformMail } from '../notifications/mail';
import type { Platform } from '../platform';
import { RETENTION_KINDS, RetentionKind, RetentionRun } from './kinds';

/** Rows handled per transaction: a large territory's backlog never holds one long transaction. */
export const RETENTION_BATCH = 200;

export type RetentionCounts = Record<string, number>;

/** How many rows of each kind are due at `now`, in the current tenant transaction: what the next run does here. */
export async function dueCounts(platform: Platform, now: Date): Promise<RetentionCounts> {
  const counts: RetentionCounts = {};
  for (const kind of RETENTION_KINDS) {
    const { sql, parameters } = kind.due({ now, settings: platform.config.retention });
    const [{ count }] = await tx().query(`SELECT count(*)::int AS count FROM (${sql}) due`, parameters);
    counts[kind.kind] = count;
  }
  return counts;
}

/** One batch of a kind in its own tenant transaction; answers how many rows it handled. */
async function applyBatch(run: RetentionRun, territoryId: string, kind: RetentionKind, batch: number): Promise<number> {
  return run.platform.db.tenant(territoryId, async () => {
    const { sql, parameters } = kind.due(run);
    const rows: { id: string }[] = await tx().query(`${sql} ORDER BY 1 LIMIT ${batch}`, parameters);
    if (rows.length) await kind.apply(rows.map((row) => row.id), run);
    return rows.length;
  });
}

/**
 * The daily job: in every territory, under its row-level security, each kind's due rows,
 * batch after batch, deleted or anonymised; deletions are announced to webhooks
 * (`webhook_reason: "rgpd"`) by the same transactions. Idempotent: what is done is no
 * longer due, so several workers running it at once only share the work. Answers the
 * counts handled, per kind, summed over territories.
 */
export async function runRetention(platform: Platform, now: Date, batch = RETENTION_BATCH): Promise<RetentionCounts> {
  const run: RetentionRun = { platform, now, settings: platform.config.retention, mail: [] };
  const territories: { id: string }[] = await platform.db.system(() => tx().query(`SELECT id FROM territories ORDER BY id`));
  const totals: RetentionCounts = Object.fromEntries(RETENTION_KINDS.map((kind) => [kind.kind, 0]));
  for (const { id } of territories) {
    for (const kind of RETENTION_KINDS) {
      let handled: number;
      do {
        handled = await applyBatch(run, id, kind, batch);
        totals[kind.kind] += handled;
      } while (handled === batch);
    }
  }
  // Notices leave once their transactions committed; one that fails is logged (removal still waits the notice's days).
  for (const message of run.mail) {
    await platformMail(platform).send(message).catch((error) => consoleLog('error', 'retention notice not sent', { error: errorMessage(error) }));
  }
  return totals;
}

export const retentionJob: PeriodicTask = {
  name: 'RGPD retention',
  everyMs: 24 * 3600 * 1000,
  run: (platform) => runRetention(platform, platform.clock.now()),
};
