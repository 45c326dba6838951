import { DateTime, Info } from 'luxon';

/** Calendar days (`YYYY-MM-DD`) as agents read them; a day has no time zone, "today" does. */

/** "vendredi 25 décembre 2026", "samedi 1er mai 2027" */
export function dayLabel(day: string): string {
  const date = DateTime.fromISO(day).setLocale('fr');
  return `${date.toFormat('cccc')} ${date.day === 1 ? '1er' : date.day} ${date.toFormat('LLLL yyyy')}`;
}

/** Today in the territory's zone, whatever the browser's. */
export function todayIn(zone: string): DateTime {
  return DateTime.now().setZone(zone).startOf('day');
}

/** The API's weekdays (RRULE's), Monday first. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** "Lundi" for `MO`. */
export function weekdayName(weekday: string): string {
  const name = Info.weekdays('long', { locale: 'fr' })[WEEKDAYS.indexOf(weekday as (typeof WEEKDAYS)[number])] ?? weekday;
  return name.charAt(0).toUpperCase() + name.slice(1);
}
