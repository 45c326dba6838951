import { DateTime } from 'luxon';

/** Dates and times of "Trouver un RDV", always in the territory's zone, in French. */

export function inZone(iso: string, zone: string): DateTime {
  return DateTime.fromISO(iso, { zone }).setLocale('fr');
}

/** The Monday (YYYY-MM-DD) of the week holding `iso` (a day or an instant), in the zone. */
export function mondayOf(iso: string, zone: string): string {
  return inZone(iso, zone).startOf('week').toISODate()!;
}

/** This week's Monday in the zone. */
export function currentMonday(zone: string): string {
  return DateTime.now().setZone(zone).startOf('week').toISODate()!;
}

/** The days a search sends: Monday to Sunday, both included. */
export function weekDays(monday: string): { from: string; to: string } {
  return { from: monday, to: DateTime.fromISO(monday).plus({ days: 6 }).toISODate()! };
}

export function shiftWeek(monday: string, weeks: number): string {
  return DateTime.fromISO(monday).plus({ weeks }).toISODate()!;
}

/** "du lundi 7 au dimanche 13 décembre 2026" */
export function weekLabel(monday: string): string {
  const start = DateTime.fromISO(monday).setLocale('fr');
  const end = start.plus({ days: 6 });
  const startFormat = start.month === end.month ? 'cccc d' : start.year === end.year ? 'cccc d LLLL' : 'cccc d LLLL yyyy';
  return `${start.toFormat(startFormat)} – ${end.toFormat('cccc d LLLL yyyy')}`;
}

/** "lundi 7 décembre 2026" */
export function dayLabel(instant: DateTime): string {
  return instant.toFormat('cccc d LLLL yyyy');
}

/** "09:00" */
export function timeLabel(instant: DateTime): string {
  return instant.toFormat('HH:mm');
}
