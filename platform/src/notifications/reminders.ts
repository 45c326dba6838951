/**
 * Reminders: one delayed job per rdv, due `hours_before` its start (48 hours by
 * default) — on the working day before when that falls on a Sunday or a public
 * holiday, unless the territory asks otherwise. The job id holds the rdv, its
 * start and the due time, so planning the same reminder twice adds one job, and
 * a moved rdv gets a new job while the old one, when it runs, finds the rdv
 * elsewhere in time and does nothing; a cancelled rdv's job does nothing either.
 * At send time the rdv must still be active, in the future and at that time, and
 * the settings must still give that due time. A sweep (`planReminders`) adds the
 * jobs again for every future rdv, for queues that lost theirs (the in-process
 * queue at a restart, an emptied Redis) and after the settings changed.
 */
import { DateTime } from 'luxon';
import { publicHolidays, type HolidayZone } from '../agenda/holidays';
import { tx } from '../db/database';
import { issueRdvLink } from '../booking/links';
import { JobDeferred, type Job, type JobQueue } from '../jobs/queue';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { loadSearchSettings } from '../scheduling/search';
import { currentNotificationsDocument } from './current-document';
import type { NotificationsDocument } from './document';
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
  /** ISO instant: when it goes (absent from jobs planned before reminders kept to working days: those do nothing). */
  due_at?: string;
}

export interface PlannedReminder {
  territoryId: string;
  rdvId: string;
  startsAt: Date;
  hoursBefore: number;
}

/** What decides a territory's reminder times besides the delay: its days off. */
export interface ReminderCalendar {
  workingDaysOnly: boolean;
  timeZone: string;
  holidays: { zone: HolidayZone; reopened: readonly string[] };
}

/** Inside the territory's transaction: its time zone, holidays and reminder setting. */
export async function reminderCalendar(platform: Platform, document: NotificationsDocument): Promise<ReminderCalendar> {
  const { timeZone, holidays } = await loadSearchSettings(platform.schemas);
  return { workingDaysOnly: document.reminder.working_days_only ?? true, timeZone, holidays };
}

export function reminderJobId(reminder: Omit<PlannedReminder, 'territoryId'>, due: number): string {
  return `reminder.${reminder.rdvId}.${reminder.startsAt.getTime()}.${due}`;
}

function isDayOff(day: DateTime, calendar: ReminderCalendar): boolean {
  if (day.weekday === 7) return true;
  const date = day.toISODate()!;
  return !calendar.holidays.reopened.includes(date) && publicHolidays(calendar.holidays.zone, date, date).length > 0;
}

/** `hoursBefore` the start; kept to working days, a Sunday or holiday gives way to the working day before, same time. */
export function reminderDueAt(reminder: Pick<PlannedReminder, 'startsAt' | 'hoursBefore'>, calendar: ReminderCalendar): number {
  const plain = reminder.startsAt.getTime() - reminder.hoursBefore * HOUR_MS;
  if (!calendar.workingDaysOnly) return plain;
  let due = DateTime.fromMillis(plain, { zone: calendar.timeZone });
  // Two weeks of days off in a row do not happen; the bound keeps a bad calendar from looping.
  for (let day = 0; day < 14 && isDayOff(due, calendar); day++) due = due.minus({ days: 1 });
  return due.toMillis();
}

/**
 * Adds the reminder's job, due `hoursBefore` the start (or the working day before).
 * An rdv booked or moved inside that window gets none: the confirmation it just
 * received says as much. Answers whether a job was added (or was already there).
 * Without a calendar, the territory's is read.
 */
export async function scheduleReminder(
  platform: Platform, queue: JobQueue, reminder: PlannedReminder, lateGraceMs = 0, calendar?: ReminderCalendar,
): Promise<boolean> {
  const days = calendar ?? await platform.db.tenant(reminder.territoryId, async () => reminderCalendar(platform, await currentNotificationsDocument(platform)));
  const due = reminderDueAt(reminder, days);
  const delay = due - platform.clock.now().getTime();
  if (delay < -lateGraceMs || reminder.startsAt.getTime() <= platform.clock.now().getTime()) return false;
  const payload: ReminderPayload = {
    territory_id: reminder.territoryId,
    rdv_id: reminder.rdvId,
    starts_at: reminder.startsAt.toISOString(),
    due_at: new Date(due).toISOString(),
  };
  await queue.add(REMINDER_JOB, payload, {
    jobId: reminderJobId(reminder, due),
    delay: Math.min(Math.max(0, delay), MAX_WAIT_MS),
    attempts: REMINDER_ATTEMPTS,
    backoff: { type: 'exponential', delay: platform.config.jobs.retryBaseMs },
  });
  return true;
}

/** Sends the reminder if it still stands: same rdv, still active, still at that time, still due then. */
export async function runReminder(platform: Platform, job: Job<ReminderPayload>, log: LogSink): Promise<void> {
  const { territory_id: territoryId, rdv_id: rdvId } = job.payload;
  if (!job.payload.due_at) return; // planned again by the sweep, with its due time
  const startsAt = new Date(job.payload.starts_at);
  const due = Date.parse(job.payload.due_at);
  const early = due - platform.clock.now().getTime();
  if (early > 0) throw new JobDeferred(Math.min(early, MAX_WAIT_MS));
  await deliver(
    platform,
    territoryId,
    async () => {
      const snapshot = await loadRdvSnapshot(rdvId);
      const now = platform.clock.now();
      if (!snapshot || snapshot.status !== 'unknown' || snapshot.starts_at.getTime() !== startsAt.getTime() || startsAt <= now) return [];
      const document = await currentNotificationsDocument(platform);
      // Settings changed since: the sweep plans the reminder at its new time.
      if (reminderDueAt({ startsAt, hoursBefore: document.reminder.hours_before }, await reminderCalendar(platform, document)) !== due) return [];
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
    const { hoursBefore, calendar, rows } = await platform.db.tenant(territoryId, async () => {
      const document = await currentNotificationsDocument(platform);
      const hours = document.reminder.hours_before;
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
      return { hoursBefore: hours, calendar: await reminderCalendar(platform, document), rows: due };
    });
    for (const row of rows) {
      const reminder = { territoryId, rdvId: row.id, startsAt: new Date(row.starts_at), hoursBefore };
      // Late reminders only for rdvs whose time was set before the reminder was due.
      const due = reminderDueAt(reminder, calendar);
      if (due < platform.clock.now().getTime() && new Date(row.updated_at).getTime() >= due) continue;
      if (await scheduleReminder(platform, queue, reminder, LATE_REMINDER_GRACE_MS, calendar)) planned++;
    }
  }
  return planned;
}
