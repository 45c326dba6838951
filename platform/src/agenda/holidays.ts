/**
 * Public holidays (jours fériés) close a territory's days unless it reopens them.
 *
 * The dates come from date-holidays' French data. Its regions map onto our zones:
 * Moselle (57; Bas-Rhin 67 and Haut-Rhin 68 have the same days) adds Good Friday
 * and 26 December; the overseas régions GP, MQ, GF, RE and YT add their
 * abolition-of-slavery day (27 May, 22 May, 10 June, 20 December, 27 April), and
 * Guadeloupe and Martinique also close on Good Friday. Only days of type
 * `public` count: date-holidays' observances (Pentecost Sunday, Mother's Day) and
 * optional days (Victor Schoelcher day) leave agendas open.
 */
import Holidays from 'date-holidays';
import { AppError } from '../errors';
import { Interval, formatDay, parseDay, utcDayOf, wallToUtc, weekdayOf } from './time';

export const holidayZones = [
  'metropole',
  'alsace_moselle',
  'guadeloupe',
  'martinique',
  'guyane',
  'reunion',
  'mayotte',
] as const;

export type HolidayZone = (typeof holidayZones)[number];

/** Days of the week in the order of `weekdayOf` (Monday first), as the `holidays` document names them. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface PublicHoliday {
  /** `YYYY-MM-DD`, a day of the territory's calendar. */
  date: string;
  /** The French name, e.g. `Lundi de Pâques`. */
  name: string;
}

/** date-holidays' region of France for each zone; metropolitan France is the country itself. */
const REGION_OF: Record<HolidayZone, string | undefined> = {
  metropole: undefined,
  alsace_moselle: '57',
  guadeloupe: 'GP',
  martinique: 'MQ',
  guyane: 'GF',
  reunion: 'RE',
  mayotte: 'YT',
};

export function isHolidayZone(value: string): value is HolidayZone {
  return (holidayZones as readonly string[]).includes(value);
}

const calendars = new Map<HolidayZone, Holidays>();
const holidaysByZoneYear = new Map<string, readonly PublicHoliday[]>();

function holidaysOfYear(zone: HolidayZone, year: number): readonly PublicHoliday[] {
  const key = `${zone}/${year}`;
  let holidays = holidaysByZoneYear.get(key);
  if (!holidays) {
    let calendar = calendars.get(zone);
    if (!calendar) {
      const region = REGION_OF[zone];
      const options = { languages: ['fr'], types: ['public' as const] };
      calendar = region ? new Holidays('FR', region, options) : new Holidays('FR', options);
      calendars.set(zone, calendar);
    }
    holidays = calendar
      .getHolidays(year)
      .filter((holiday) => holiday.type === 'public')
      .map((holiday) => ({ date: holiday.date.slice(0, 10), name: holiday.name }));
    holidaysByZoneYear.set(key, holidays);
  }
  return holidays;
}

/** The public holidays of a zone from `fromDate` to `toDate` (both included), in date order. */
export function publicHolidays(zone: HolidayZone, fromDate: string, toDate: string): PublicHoliday[] {
  if (!isHolidayZone(zone)) {
    throw AppError.invalidField('zone', `Unknown holiday zone "${zone}"; use one of ${holidayZones.join(', ')}`);
  }
  const from = parseDay(fromDate);
  const to = parseDay(toDate);
  if (from === null) throw AppError.invalidField('from', 'must be a date YYYY-MM-DD');
  if (to === null) throw AppError.invalidField('to', 'must be a date YYYY-MM-DD');
  const result: PublicHoliday[] = [];
  for (let year = Number(fromDate.slice(0, 4)); year <= Number(toDate.slice(0, 4)); year++) {
    for (const holiday of holidaysOfYear(zone, year)) {
      if (holiday.date >= fromDate && holiday.date <= toDate) result.push(holiday);
    }
  }
  return result;
}

/**
 * The holidays overlapping `window` as busy intervals for the slot engine: each
 * one whole local day in `timeZone` (midnight to midnight, 23 or 25 hours on DST
 * days), except the `reopenedDates` the territory chose to work.
 */
export function holidayClosures(
  zone: HolidayZone,
  timeZone: string,
  window: Interval,
  reopenedDates: readonly string[] = [],
): Interval[] {
  if (window.end <= window.start) return [];
  const reopened = new Set(reopenedDates);
  const closures: Interval[] = [];
  // The local days around the window's UTC days: offsets stay within ±14 h.
  for (const holiday of publicHolidays(zone, formatDay(utcDayOf(window.start) - 1), formatDay(utcDayOf(window.end - 1) + 1))) {
    if (reopened.has(holiday.date)) continue;
    const day = parseDay(holiday.date) as number;
    const closure = { start: wallToUtc(timeZone, day, 0), end: wallToUtc(timeZone, day + 1, 0) };
    if (closure.start < window.end && closure.end > window.start) closures.push(closure);
  }
  return closures;
}

/**
 * The territory's closed days of the week overlapping `window` as closures for the
 * slot engine: each one whole local day in `timeZone`. None when every day is open.
 */
export function closedWeekdayClosures(closedWeekdays: readonly Weekday[], timeZone: string, window: Interval): Interval[] {
  if (closedWeekdays.length === 0 || window.end <= window.start) return [];
  const closed = new Set(closedWeekdays.map((weekday) => WEEKDAYS.indexOf(weekday)));
  const closures: Interval[] = [];
  for (let day = utcDayOf(window.start) - 1; day <= utcDayOf(window.end - 1) + 1; day++) {
    if (!closed.has(weekdayOf(day))) continue;
    const closure = { start: wallToUtc(timeZone, day, 0), end: wallToUtc(timeZone, day + 1, 0) };
    if (closure.start < window.end && closure.end > window.start) closures.push(closure);
  }
  return closures;
}
