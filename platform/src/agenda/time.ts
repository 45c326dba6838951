/**
 * Calendar days, wall-clock times and their instants in a territory's time zone.
 *
 * The agenda stores dates (`YYYY-MM-DD`) and wall times (`HH:MM`) in the
 * territory's zone; the slot engine works on UTC instants as plain epoch
 * milliseconds. Days are handled as integers (days since 1970-01-01) so that
 * recurrence arithmetic needs no date objects.
 */
import { DateTime, IANAZone } from 'luxon';
import { AppError, FieldError } from '../errors';

/** Milliseconds since the Unix epoch: one instant, zone-free. */
export type EpochMs = number;

/** The half-open span of instants [start, end). Intervals that only touch do not overlap. */
export interface Interval {
  start: EpochMs;
  end: EpochMs;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** `24:00` is refused on purpose: a day ends at 23:59 or the next day starts at 00:00. */
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `YYYY-MM-DD` as days since 1970-01-01, or null when it is not a real calendar date. */
export function parseDay(date: string): number | null {
  const match = DATE_PATTERN.exec(date);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March and maps years below 100 to 19xx: refuse both.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  return ms / DAY_MS;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `HH:MM` as minutes after midnight, or null when malformed (including `24:00`). */
export function parseTime(time: string): number | null {
  const match = TIME_PATTERN.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Monday = 0 ... Sunday = 6 (1970-01-01, day 0, was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** The calendar fields of a day, for luxon and for month arithmetic. */
export function fieldsOf(day: number): { year: number; month: number; day: number } {
  const date = new Date(day * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The UTC day containing an instant: a territory's local day is this one or a neighbour (offsets stay within ±14 h). */
export function utcDayOf(instant: EpochMs): number {
  return Math.floor(instant / DAY_MS);
}

/**
 * Wall time → instant conversions, memoised per zone. Luxon costs ~10 µs per
 * conversion, and a week's search over thousands of plages asks again and again
 * for the same few (day, time) pairs.
 */
const conversionsByZone = new Map<string, Map<number, EpochMs>>();
const MAX_CACHED_CONVERSIONS = 200_000;

function conversionsOf(timeZone: string): Map<number, EpochMs> {
  let conversions = conversionsByZone.get(timeZone);
  if (!conversions) {
    if (!IANAZone.isValidZone(timeZone)) {
      throw AppError.invalidField('timezone', `Unknown time zone "${timeZone}"`);
    }
    conversions = new Map();
    conversionsByZone.set(timeZone, conversions);
  }
  return conversions;
}

function localDateTime(timeZone: string, day: number, minuteOfDay: number): DateTime {
  return DateTime.fromObject(
    { ...fieldsOf(day), hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
    { zone: timeZone },
  );
}

/**
 * The instant at which the wall clock of `timeZone` shows `minuteOfDay` on `day`.
 * A wall time skipped by a DST change (02:30 on the last Sunday of March in
 * Europe/Paris) moves forward by the gap, as luxon does (→ 03:30); a wall time
 * that happens twice (02:30 on the last Sunday of October) is luxon's choice,
 * the second one (after the clocks went back).
 */
export function wallToUtc(timeZone: string, day: number, minuteOfDay: number): EpochMs {
  const conversions = conversionsOf(timeZone);
  const key = day * 1440 + minuteOfDay;
  let instant = conversions.get(key);
  if (instant === undefined) {
    instant = localDateTime(timeZone, day, minuteOfDay).toMillis();
    if (conversions.size >= MAX_CACHED_CONVERSIONS) conversions.clear();
    conversions.set(key, instant);
  }
  return instant;
}

/** False when a DST change skips this wall time on this day. */
export function wallTimeExists(timeZone: string, day: number, minuteOfDay: number): boolean {
  conversionsOf(timeZone);
  const local = localDateTime(timeZone, day, minuteOfDay);
  return local.hour * 60 + local.minute === minuteOfDay;
}

/**
 * The instants of whole local days `fromDate`..`toDate` (both included), as
 * `from`/`to` query filters mean them: [fromDate 00:00, day after toDate 00:00).
 */
export function localDaysWindow(fromDate: string, toDate: string, timeZone: string): Interval {
  const from = parseDay(fromDate);
  const to = parseDay(toDate);
  const errors: FieldError[] = [];
  if (from === null) errors.push({ path: 'from', message: 'must be a date YYYY-MM-DD' });
  if (to === null) errors.push({ path: 'to', message: 'must be a date YYYY-MM-DD' });
  else if (from !== null && to < from) errors.push({ path: 'to', message: 'must not be before from' });
  if (from === null || to === null || errors.length > 0) throw AppError.invalid('Invalid date range', errors);
  return { start: wallToUtc(timeZone, from, 0), end: wallToUtc(timeZone, to + 1, 0) };
}
