import { tx } from '../db/database';
import type { PeriodicTask } from '../jobs/periodic';
import { consoleLog, errorMessage } from '../logging';
import { platformMail } from '../notifications/mail';
import type { Platform } from '../platform';
import { installedPlugins } from '../plugins/registry';
import type { PluginDefinition, PluginRetention } from '../plugins/sdk';
import { pluginContextHere } from './copies';
import { EVENT_RETENTION_KINDS, PERSONAL_RETENTION_KINDS, rdvCutoff, RetentionKind, RetentionRun } from './kinds';

/** Rows handled per transaction: a large territory's backlog never holds one long transaction. */
export const RETENTION_BATCH = 200;

export type RetentionCounts = Record<string, number>;

/** A plugin's retention as a kind of the run, in the current tenant transaction (the plugin's `ctx.db` joins it). */
function pluginKind(plugin: PluginDefinition<any>, retention: PluginRetention<any>): RetentionKind {
  const context = (run: RetentionRun) => pluginContextHere(run.platform, plugin);
  const cutoff = (run: RetentionRun) => (retention.period === 'rdvs' ? rdvCutoff(run) : new Date(run.now.getTime() - run.settings.eventDays * 24 * 3600_000));
  return {
    kind: retention.kind,
    count: async (run) => retention.count(await context(run), cutoff(run)),
    purge: async (run, limit) => retention.purge(await context(run), cutoff(run), limit),
  };
}

/** In the order a run takes them: events, the installed plugins' records (deliveries of events), then records about people. */
function retentionKinds(platform: Platform): RetentionKind[] {
  return [
    ...EVENT_RETENTION_KINDS,
    ...installedPlugins(platform).flatMap((plugin) => (plugin.retention ?? []).map((retention) => pluginKind(plugin, retention))),
    ...PERSONAL_RETENTION_KINDS,
  ];
}

function newRun(platform: Platform, now: Date): RetentionRun {
  return { platform, now, settings: platform.config.retention, mail: [] };
}

/** How many rows of each kind are due at `now`, in the current tenant transaction: what the next run does here. */
export async function dueCounts(platform: Platform, now: Date): Promise<RetentionCounts> {
  const run = newRun(platform, now);
  const counts: RetentionCounts = {};
  for (const kind of retentionKinds(platform)) counts[kind.kind] = await kind.count(run);
  return counts;
}

/**
 * The daily job: in every territory, under its row-level security, each kind's due rows,
 * batch after batch (a transaction each), deleted or anonymised; deletions are announced
 * to webhooks (`webhook_reason: "rgpd"`) by the same transactions. Idempotent: what is done
 * is no longer due, so several workers running it at once only share the work. Answers the
 * counts handled per kind, summed over territories.
 */
export async function runRetention(platform: Platform, now: Date, batch = RETENTION_BATCH): Promise<RetentionCounts> {
  const run = newRun(platform, now);
  const kinds = retentionKinds(platform);
  const territories: { id: string }[] = await platform.db.system(() => tx().query(`SELECT id FROM territories ORDER BY id`));
  const totals: RetentionCounts = Object.fromEntries(kinds.map((kind) => [kind.kind, 0]));
  for (const { id } of territories) {
    for (const kind of kinds) {
      let handled: number;
      do {
        handled = await platform.db.tenant(id, () => kind.purge(run, batch));
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
