/*
 * Dates and times as the territory lives them. The API writes times with the
 * territory's offset (`2026-12-07T09:00:00+01:00`) and days as `YYYY-MM-DD` in its
 * zone: the portal shows that wall-clock time whatever the visitor's own zone, so
 * a slot at 09:00 in Val-Fleuri reads 09:00 from Pointe-à-Pitre too. Calendar
 * arithmetic runs on UTC dates, which have no DST jumps.
 */

const LOCALE = 'fr-FR';

/** A `YYYY-MM-DD` day as a UTC midnight Date (for arithmetic and formatting only). */
function dayDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = dayDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return toDay(date);
}

/** The Monday of the week holding `day`. */
export function weekStart(day: string): string {
  const weekday = (dayDate(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

/** The 7 days of the week starting on `monday`. */
export function weekDays(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** Today in the visitor's zone (a day off the territory's at most: the platform applies the booking delays). */
export function today(now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The territory's day of an API time (`2026-12-07T09:00:00+01:00` → `2026-12-07`). */
export function dayOf(time: string): string {
  return time.slice(0, 10);
}

/** The wall-clock moment of an API time as a UTC Date, to format with timeZone UTC. */
function wallClock(time: string): Date {
  return new Date(`${time.slice(0, 19)}Z`);
}

const formats = {
  shortDay: new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }),
  longDay: new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  dayMonth: new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'long', timeZone: 'UTC' }),
  weekdayDayMonth: new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }),
  time: new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }),
};

/** `lun. 7 déc.` */
export function formatShortDay(day: string): string {
  return formats.shortDay.format(dayDate(day));
}

/** `lundi 7 décembre 2026` */
export function formatLongDay(day: string): string {
  return formats.longDay.format(dayDate(day));
}

/** `7 décembre` */
export function formatDayMonth(day: string): string {
  return formats.dayMonth.format(dayDate(day));
}

/** `lundi 7 décembre` */
export function formatWeekdayDayMonth(day: string): string {
  return formats.weekdayDayMonth.format(dayDate(day));
}

/** `09:00`, in the territory's wall-clock time. */
export function formatTime(time: string): string {
  return formats.time.format(wallClock(time));
}

/** Whole minutes between two API times. */
export function minutesBetween(start: string, end: string): number {
  return Math.round((Date.parse(end) - Date.parse(start)) / 60000);
}
