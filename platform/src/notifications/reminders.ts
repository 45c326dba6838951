/**
 * Reminders: one delayed job per rdv, due `hours_before` its start (48 hours by
 * default). The job id holds the rdv, its start and the delay, so planning the
 * same reminder twice adds one job, and a moved rdv gets a new job while the
 * old one, when it runs, finds the rdv elsewhere in time and does nothing; a
 * cancelled rdv's job does nothing either. At send time the rdv must still be
 * active, in the future and at that time. A sweep (`planReminders`) adds the
 * jobs again for every future rdv, for queues that lost theirs (the in-process
 * queue at a restart, an emptied Redis) and after the delay setting changed.
 */
import { tx } from '../db/database';
import { issueRdvLink } from '../booking/links';
import { JobDeferred, type Job, type JobQueue } from '../jobs/queue';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { currentNotificationsDocument } from './current-document';
import { deliver } from './delivery';
import { loadRdvSnapshot } from './rdv-snapshot';
import { usagerOutgoing } from './usager-messages';

export const REMINDER_JOB = 'notifications.reminder';
export const REMINDER_ATTEMPTS = 8;
const HOUR_MS = 3_600_000;
/** A reminder missed by at most this much (workers down at the time) is still sent. */
const LATE_REMINDER_GRACE_MS = 6 * HOUR_MS;
/** The sweep reads rdvs in pages of this many. */
const SWEEP_PAGE = 2_000;
/**
 * The longest a reminder job waits in one go: a far reminder wakes up every week
 * and waits again, so no queue timer has to hold months (Node's own timers stop
 * at 24.8 days, and an in-process queue uses them).
 */
const MAX_WAIT_MS = 7 * 24 * HOUR_MS;

export interface ReminderPayload {
  territory_id: string;
  rdv_id: string;
  /** ISO instant: the start this reminder is for. */
  starts_at: string;
  hours_before: number;
}

export interface PlannedReminder {
  territoryId: string;
  rdvId: string;
  startsAt: Date;
  hoursBefore: number;
}

export function reminderJobId(reminder: Omit<PlannedReminder, 'territoryId'>): string {
  return `reminder.${reminder.rdvId}.${reminder.startsAt.getTime()}.${reminder.hoursBefore}`;
}

function dueAt(reminder: Pick<PlannedReminder, 'startsAt' | 'hoursBefore'>): number {
  return reminder.startsAt.getTime() - reminder.hoursBefore * HOUR_MS;
}

/**
 * Adds the reminder's job, due `hoursBefore` the start. An rdv booked or moved
 * inside that window gets none: the confirmation it just received says as much.
 * Answers whether a job was added (or was already there).
 */
export async function scheduleReminder(platform: Platform, queue: JobQueue, reminder: PlannedReminder, lateGraceMs = 0): Promise<boolean> {
  const delay = dueAt(reminder) - platform.clock.now().getTime();
  if (delay < -lateGraceMs || reminder.startsAt.getTime() <= platform.clock.now().getTime()) return false;
  const payload: ReminderPayload = {
    territory_id: reminder.territoryId,
    rdv_id: reminder.rdvId,
    starts_at: reminder.startsAt.toISOString(),
    hours_before: reminder.hoursBefore,
  };
  await queue.add(REMINDER_JOB, payload, {
    jobId: reminderJobId(reminder),
    delay: Math.min(Math.max(0, delay), MAX_WAIT_MS),
    attempts: REMINDER_ATTEMPTS,
    backoff: { type: 'exponential', delay: platform.config.jobs.retryBaseMs },
  });
  return true;
}

/** Sends the reminder if it still stands: same rdv, still active, still at that time, still that delay. */
export async function runReminder(platform: Platform, job: Job<ReminderPayload>, log: LogSink): Promise<void> {
  const { territory_id: territoryId, rdv_id: rdvId, hours_before: hoursBefore } = job.payload;
  const startsAt = new Date(job.payload.starts_at);
  const early = dueAt({ startsAt, hoursBefore }) - platform.clock.now().getTime();
  if (early > 0) throw new JobDeferred(Math.min(early, MAX_WAIT_MS));
  await deliver(
    platform,
    territoryId,
    async () => {
      const snapshot = await loadRdvSnapshot(rdvId);
      const now = platform.clock.now();
      if (!snapshot || snapshot.status !== 'unknown' || snapshot.starts_at.getTime() !== startsAt.getTime() || startsAt <= now) return [];
      const document = await currentNotificationsDocument(platform);
      if (document.reminder.hours_before !== hoursBefore) return []; // the sweep plans the reminder at the new delay
      return usagerOutgoing(platform, {
        source: `reminder:${rdvId}:${startsAt.getTime()}`,
        event: 'rdv_reminder',
        snapshot,
        recipients: snapshot.participations
          .filter((participation) => participation.status === 'unknown')
          .map((participation) => ({ participationId: participation.id, user: participation.user })),
        previousStartsAt: null,
        document,
        manageUrl: (participationId) => issueRdvLink(platform, participationId),
        log,
      });
    },
    { maxAttempts: REMINDER_ATTEMPTS },
  );
}

/**
 * Plans the reminders of every active future rdv, territory by territory (or
 * one): idempotent, thanks to the job ids. A reminder whose time has passed is
 * planned only within a grace period, and only for an rdv last changed before
 * that time (else its confirmation or change notice came after). Answers how
 * many reminders were planned.
 */
export async function planReminders(platform: Platform, queue: JobQueue, options: { territoryId?: string } = {}): Promise<number> {
  const territories: Array<{ id: string }> = options.territoryId
    ? [{ id: options.territoryId }]
    : await platform.db.system(() => tx().query(`SELECT id FROM territories ORDER BY id`));
  let planned = 0;
  for (const { id: territoryId } of territories) {
    const { hoursBefore, rows } = await platform.db.tenant(territoryId, async () => {
      const hours = (await currentNotificationsDocument(platform)).reminder.hours_before;
      const now = platform.clock.now();
      const due: Array<{ id: string; starts_at: Date; updated_at: Date }> = [];
      let after: { starts_at: Date; id: string } | null = null;
      for (;;) {
        const page: Array<{ id: string; starts_at: Date; updated_at: Date }> = await tx().query(
          `SELECT id, starts_at, updated_at FROM rdvs
            WHERE status = 'unknown' AND starts_at > $1
              AND starts_at - $2 * interval '1 hour' >= $3
              AND ($4::timestamptz IS NULL OR (starts_at, id) > ($4::timestamptz, $5::uuid))
            ORDER BY starts_at, id
            LIMIT $6`,
          [now, hours, new Date(now.getTime() - LATE_REMINDER_GRACE_MS), after?.starts_at ?? null, after?.id ?? null, SWEEP_PAGE],
        );
        due.push(...page);
        if (page.length < SWEEP_PAGE) break;
        after = page[page.length - 1];
      }
      return { hoursBefore: hours, rows: due };
    });
    for (const row of rows) {
      const reminder = { territoryId, rdvId: row.id, startsAt: new Date(row.starts_at), hoursBefore };
      // Late reminders only for rdvs whose time was set before the reminder was due.
      if (dueAt(reminder) < platform.clock.now().getTime() && new Date(row.updated_at).getTime() >= dueAt(reminder)) continue;
      if (await scheduleReminder(platform, queue, reminder, LATE_REMINDER_GRACE_MS)) planned++;
    }
  }
  return planned;
}
