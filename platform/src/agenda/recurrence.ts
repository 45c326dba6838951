/**
 * Plages d'ouverture and absences as time definitions: a first day, wall times,
 * maybe an RFC 5545 recurrence, expanded into UTC intervals for a window.
 *
 * Recurrences are wall-clock rules in the territory's zone. rrule runs in
 * floating mode (dates whose UTC fields are the wall date, no tzid, so the host's
 * zone never leaks in) and yields days; each day's wall times then become
 * instants in the zone. A weekly 09:00 thus stays 09:00 across DST changes.
 *
 * Cost is bounded by the window, not by the age of the series: rrule iterates
 * from its dtstart, so the dtstart handed to it is moved to the period (day,
 * week, month) of the window's start that keeps the series' phase, and the days
 * it finds are memoised per (rule, period, window) since many plages share a rule.
 */
import { Frequency, RRule, Weekday } from 'rrule';
import { AppError, FieldError } from '../errors';
import {
  DAY_MS,
  Interval,
  fieldsOf,
  formatDay,
  parseDay,
  parseTime,
  utcDayOf,
  wallTimeExists,
  wallToUtc,
  weekdayOf,
} from './time';

/**
 * The time part of a plage_ouverture or an absence, as the API spells it
 * (`first_day`, `end_day`, `start_time`, `end_time`, `recurrence`, `until`, `exdates`).
 * Plages have no `endDay`: each occurrence starts and ends on the same day. An
 * absence may span days: from `startTime` on its first day to `endTime` on its
 * last, and a recurring one repeats that span.
 */
export interface AgendaDefinition {
  firstDay: string;
  endDay?: string | null;
  startTime: string;
  endTime: string;
  /** An RRULE such as `FREQ=WEEKLY;BYDAY=MO,TU`; null or empty for a single occurrence. */
  recurrence?: string | null;
  /** The last day an occurrence may start on (included). */
  until?: string | null;
  /** Days whose occurrence is skipped. */
  exdates?: readonly string[] | null;
}

const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const FREQUENCIES: Record<string, Frequency> = {
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
};
const ALLOWED_PARTS = ['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYSETPOS', 'UNTIL', 'COUNT'];
const MAX_INTERVAL = 99;
const MAX_COUNT = 1000;
/** Weekdays and dates repeat every 28 years between 1901 and 2099. */
const CALENDAR_CYCLE_DAYS = 10_227;

interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  byweekday: Weekday[];
  bymonthday: number[];
  bysetpos: number[];
  count: number | null;
  /** The rule's own UNTIL, as a day. */
  untilDay: number | null;
  /** Identifies the rule's meaning, for memoising its days. */
  key: string;
}

interface CompiledDefinition {
  firstDay: number;
  spanDays: number;
  startMinute: number;
  endMinute: number;
  rule: RecurrenceRule | null;
  /** The last day an occurrence may start on: the earlier of `until` and the rule's UNTIL. */
  lastDay: number | null;
  skippedDays: ReadonlySet<number>;
}

function refuseRecurrence(message: string): never {
  throw AppError.invalidField('recurrence', message);
}

function listOf(name: string, value: string, pattern: RegExp): RegExpExecArray[] {
  return value.split(',').map((item) => pattern.exec(item) ?? refuseRecurrence(`${name} has an invalid value "${item}"`));
}

function parseRecurrence(text: string): RecurrenceRule {
  const parts = new Map<string, string>();
  const source = text.trim().toUpperCase().replace(/^RRULE:/, '').replace(/;$/, '');
  for (const part of source.split(';')) {
    const [name, value, ...rest] = part.split('=');
    if (value === undefined || value === '' || rest.length > 0) refuseRecurrence(`"${part}" is not NAME=VALUE`);
    if (!ALLOWED_PARTS.includes(name)) {
      refuseRecurrence(`${name} is not supported; use only ${ALLOWED_PARTS.join(', ')}`);
    }
    if (parts.has(name)) refuseRecurrence(`${name} is given twice`);
    parts.set(name, value);
  }

  const freq = FREQUENCIES[parts.get('FREQ') ?? ''];
  if (freq === undefined) refuseRecurrence('FREQ must be DAILY, WEEKLY or MONTHLY');
  // Day filters on a daily rule say what WEEKLY;BYDAY says, and can make it search for years.
  if (freq === Frequency.DAILY && (parts.has('BYDAY') || parts.has('BYMONTHDAY') || parts.has('BYSETPOS'))) {
    refuseRecurrence('FREQ=DAILY takes only INTERVAL, UNTIL or COUNT; for some weekdays use FREQ=WEEKLY;BYDAY=...');
  }

  const intervalText = parts.get('INTERVAL') ?? '1';
  const interval = /^\d+$/.test(intervalText) ? Number(intervalText) : 0;
  if (interval < 1 || interval > MAX_INTERVAL) refuseRecurrence(`INTERVAL must be between 1 and ${MAX_INTERVAL}`);

  const byday = parts.get('BYDAY');
  const byweekday = byday
    ? listOf('BYDAY', byday, /^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/).map(([, nth, code]) => {
        if (nth !== undefined && freq !== Frequency.MONTHLY) {
          refuseRecurrence('BYDAY ordinals such as 1MO or -1FR need FREQ=MONTHLY');
        }
        return new Weekday(WEEKDAY_CODES.indexOf(code), nth === undefined ? undefined : Number(nth));
      })
    : [];

  const monthDays = parts.get('BYMONTHDAY');
  const bymonthday = monthDays ? listOf('BYMONTHDAY', monthDays, /^[+-]?\d{1,2}$/).map(([item]) => Number(item)) : [];
  if (bymonthday.some((day) => day === 0 || Math.abs(day) > 31)) refuseRecurrence('BYMONTHDAY must be 1 to 31 or -31 to -1');
  if (bymonthday.length > 0 && freq === Frequency.WEEKLY) refuseRecurrence('BYMONTHDAY cannot be used with FREQ=WEEKLY');

  const setPositions = parts.get('BYSETPOS');
  const bysetpos = setPositions ? listOf('BYSETPOS', setPositions, /^[+-]?\d{1,3}$/).map(([item]) => Number(item)) : [];
  if (bysetpos.some((position) => position === 0 || Math.abs(position) > 366)) {
    refuseRecurrence('BYSETPOS must be 1 to 366 or -366 to -1');
  }
  if (bysetpos.length > 0 && byweekday.length === 0 && bymonthday.length === 0) {
    refuseRecurrence('BYSETPOS needs BYDAY or BYMONTHDAY');
  }

  const untilText = parts.get('UNTIL');
  let untilDay: number | null = null;
  if (untilText !== undefined) {
    const match = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$/.exec(untilText);
    untilDay = match ? parseDay(`${match[1]}-${match[2]}-${match[3]}`) : null;
    if (untilDay === null) refuseRecurrence('UNTIL must be a date such as 20261231');
  }

  const countText = parts.get('COUNT');
  let count: number | null = null;
  if (countText !== undefined) {
    count = /^\d+$/.test(countText) ? Number(countText) : 0;
    if (count < 1 || count > MAX_COUNT) refuseRecurrence(`COUNT must be between 1 and ${MAX_COUNT}`);
    if (untilText !== undefined) refuseRecurrence('COUNT and UNTIL cannot be used together');
  }

  const key = [freq, interval, byweekday.map(String).join(','), bymonthday.join(','), bysetpos.join(','), count].join('/');
  return { freq, interval, byweekday, bymonthday, bysetpos, count, untilDay, key };
}

const rulesByText = new Map<string, RecurrenceRule>();

function ruleOf(text: string): RecurrenceRule {
  let rule = rulesByText.get(text);
  if (!rule) {
    rule = parseRecurrence(text);
    if (rulesByText.size >= 10_000) rulesByText.clear();
    rulesByText.set(text, rule);
  }
  return rule;
}

/**
 * RFC 5545 takes a missing BYDAY (weekly) or BYMONTHDAY (monthly) from DTSTART.
 * Spelling it out lets the series start in another period without changing its days.
 */
function withDefaultsFrom(rule: RecurrenceRule, firstDay: number): RecurrenceRule {
  if (rule.freq === Frequency.WEEKLY && rule.byweekday.length === 0) {
    const byweekday = [new Weekday(weekdayOf(firstDay))];
    return { ...rule, byweekday, key: `${rule.key}/day=${byweekday[0]}` };
  }
  if (rule.freq === Frequency.MONTHLY && rule.byweekday.length === 0 && rule.bymonthday.length === 0) {
    const bymonthday = [fieldsOf(firstDay).day];
    return { ...rule, bymonthday, key: `${rule.key}/monthday=${bymonthday[0]}` };
  }
  return rule;
}

function readDefinition(definition: AgendaDefinition, errors: FieldError[]): CompiledDefinition | null {
  const errorCount = errors.length;
  const firstDay = parseDay(definition.firstDay);
  if (firstDay === null) errors.push({ path: 'first_day', message: 'must be a date YYYY-MM-DD' });

  let lastOfSpan = firstDay;
  if (definition.endDay) {
    lastOfSpan = parseDay(definition.endDay);
    if (lastOfSpan === null) errors.push({ path: 'end_day', message: 'must be a date YYYY-MM-DD' });
    else if (firstDay !== null && lastOfSpan < firstDay) {
      errors.push({ path: 'end_day', message: 'must not be before first_day' });
    }
  }

  const timeMessage = 'must be a time HH:MM between 00:00 and 23:59';
  const startMinute = parseTime(definition.startTime);
  if (startMinute === null) errors.push({ path: 'start_time', message: timeMessage });
  const endMinute = parseTime(definition.endTime);
  if (endMinute === null) errors.push({ path: 'end_time', message: timeMessage });
  const spanDays = firstDay !== null && lastOfSpan !== null ? lastOfSpan - firstDay : 0;
  if (spanDays === 0 && startMinute !== null && endMinute !== null && endMinute <= startMinute) {
    errors.push({ path: 'end_time', message: 'must be after start_time' });
  }

  let lastDay: number | null = null;
  if (definition.until) {
    lastDay = parseDay(definition.until);
    if (lastDay === null) errors.push({ path: 'until', message: 'must be a date YYYY-MM-DD' });
    else if (firstDay !== null && lastDay < firstDay) errors.push({ path: 'until', message: 'must not be before first_day' });
  }

  const skippedDays = new Set<number>();
  (definition.exdates ?? []).forEach((date, index) => {
    const day = parseDay(date);
    if (day === null) errors.push({ path: `exdates.${index}`, message: 'must be a date YYYY-MM-DD' });
    else skippedDays.add(day);
  });

  let rule: RecurrenceRule | null = null;
  if (definition.recurrence) {
    try {
      rule = ruleOf(definition.recurrence);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      errors.push(...error.errors);
    }
  }

  if (errors.length > errorCount || firstDay === null || startMinute === null || endMinute === null) return null;
  if (rule) {
    rule = withDefaultsFrom(rule, firstDay);
    if (rule.untilDay !== null) lastDay = lastDay === null ? rule.untilDay : Math.min(lastDay, rule.untilDay);
  }
  return { firstDay, spanDays, startMinute, endMinute, rule, lastDay, skippedDays };
}

function compile(definition: AgendaDefinition): CompiledDefinition {
  const errors: FieldError[] = [];
  const compiled = readDefinition(definition, errors);
  if (!compiled) throw AppError.invalid('Invalid agenda definition', errors);
  return compiled;
}

function monthIndexOf(day: number): number {
  const { year, month } = fieldsOf(day);
  return year * 12 + month - 1;
}

function firstDayOfMonthIndex(monthIndex: number): number {
  return Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, 1) / DAY_MS;
}

/**
 * A dtstart on or before `fromDay` that yields the same days as `firstDay` from
 * `fromDay` on: the start of the latest period (day, ISO week, month) in phase
 * with the series. With COUNT the series must be counted from its real start.
 */
function alignedStart(rule: RecurrenceRule, firstDay: number, fromDay: number): number {
  if (rule.count !== null || fromDay <= firstDay) return firstDay;
  switch (rule.freq) {
    case Frequency.DAILY:
      return firstDay + Math.floor((fromDay - firstDay) / rule.interval) * rule.interval;
    case Frequency.WEEKLY: {
      const firstWeek = firstDay - weekdayOf(firstDay);
      const fromWeek = fromDay - weekdayOf(fromDay);
      const stride = 7 * rule.interval;
      return firstWeek + Math.floor((fromWeek - firstWeek) / stride) * stride;
    }
    default: {
      const firstMonth = monthIndexOf(firstDay);
      const fromMonth = monthIndexOf(fromDay);
      return firstDayOfMonthIndex(firstMonth + Math.floor((fromMonth - firstMonth) / rule.interval) * rule.interval);
    }
  }
}

function rruleOf(rule: RecurrenceRule, dtstartDay: number): RRule {
  return new RRule(
    {
      freq: rule.freq,
      interval: rule.interval,
      byweekday: rule.byweekday.length > 0 ? rule.byweekday : null,
      bymonthday: rule.bymonthday.length > 0 ? rule.bymonthday : null,
      bysetpos: rule.bysetpos.length > 0 ? rule.bysetpos : null,
      count: rule.count,
      wkst: RRule.MO,
      dtstart: new Date(dtstartDay * DAY_MS),
    },
    true,
  );
}

const daysByQuery = new Map<string, readonly number[]>();

/** The rule's days in [fromDay, toDay], its series starting at `dtstartDay`. */
function ruleDays(rule: RecurrenceRule, dtstartDay: number, fromDay: number, toDay: number): readonly number[] {
  const key = `${rule.key}|${dtstartDay}|${fromDay}|${toDay}`;
  let days = daysByQuery.get(key);
  if (!days) {
    days = rruleOf(rule, dtstartDay)
      .between(new Date(fromDay * DAY_MS), new Date(toDay * DAY_MS), true)
      .map((date) => date.getTime() / DAY_MS);
    if (daysByQuery.size >= 50_000) daysByQuery.clear();
    daysByQuery.set(key, days);
  }
  return days;
}

/** The days in [fromDay, toDay] on which an occurrence starts. */
function occurrenceDays(definition: CompiledDefinition, fromDay: number, toDay: number): readonly number[] {
  const { rule, firstDay, lastDay, skippedDays } = definition;
  const from = Math.max(fromDay, firstDay);
  const to = lastDay === null ? toDay : Math.min(toDay, lastDay);
  if (from > to) return [];
  const days = rule ? ruleDays(rule, alignedStart(rule, firstDay, from), from, to) : [firstDay];
  return skippedDays.size > 0 ? days.filter((day) => !skippedDays.has(day)) : days;
}

/**
 * The occurrences of a definition that overlap `window`, as UTC intervals in
 * start order. They are not clipped to the window (an opening that began
 * before it still sets where its slots fall). A wall time skipped by a DST
 * change moves forward by the gap (02:30 → 03:30 in Europe/Paris on the last
 * Sunday of March); an occurrence left with no duration by that move is dropped.
 */
export function expandOccurrences(definition: AgendaDefinition, timeZone: string, window: Interval): Interval[] {
  const compiled = compile(definition);
  if (window.end <= window.start) return [];
  // A territory's wall date is within a day of the UTC date; the span reaches back from the last day.
  const fromDay = utcDayOf(window.start) - 1 - compiled.spanDays;
  const toDay = utcDayOf(window.end - 1) + 1;
  const occurrences: Interval[] = [];
  for (const day of occurrenceDays(compiled, fromDay, toDay)) {
    const start = wallToUtc(timeZone, day, compiled.startMinute);
    const end = wallToUtc(timeZone, day + compiled.spanDays, compiled.endMinute);
    if (end > start && start < window.end && end > window.start) occurrences.push({ start, end });
  }
  return occurrences;
}

/**
 * The last local day an occurrence covers (`YYYY-MM-DD`), or null for a series
 * with no end: no occurrence reaches a later day. A COUNT series is counted out
 * (at most 1000 occurrences); `until` and UNTIL bound the others.
 */
export function seriesEndDay(definition: AgendaDefinition): string | null {
  const { rule, firstDay, lastDay, spanDays } = compile(definition);
  let lastStart = rule ? lastDay : firstDay;
  if (rule && rule.count !== null) {
    const [last] = rruleOf(rule, firstDay).all().slice(-1);
    const counted = last ? last.getTime() / DAY_MS : firstDay;
    lastStart = lastStart === null ? counted : Math.min(lastStart, counted);
  }
  return lastStart === null ? null : formatDay(lastStart + spanDays);
}

/** How far ahead a rule with no occurrence yet will never have one. */
function searchHorizonDays(rule: RecurrenceRule): number {
  switch (rule.freq) {
    case Frequency.DAILY:
      return rule.interval; // no day filter: the first day is an occurrence
    case Frequency.WEEKLY:
      return 14 * rule.interval; // every whole week yields the same weekdays
    default:
      return CALENDAR_CYCLE_DAYS * rule.interval; // the months it visits repeat their shapes within 28 years of periods
  }
}

/**
 * The first day an occurrence starts on, or null if the rule never yields one.
 * rrule only stops early on a match: for a rule that has none it runs on to the
 * year 9999. A weekly rule is settled without it (every whole week holds its
 * BYDAY days, among which BYSETPOS picks); a monthly rule with no match at all
 * costs that run (about 0.2 s) before it is refused.
 */
function firstOccurrenceDay(definition: CompiledDefinition, rule: RecurrenceRule): number | null {
  if (rule.freq === Frequency.WEEKLY && rule.bysetpos.length > 0) {
    const daysPerWeek = new Set(rule.byweekday.map((weekday) => weekday.weekday)).size;
    if (rule.bysetpos.every((position) => Math.abs(position) > daysPerWeek)) return null;
  }
  const horizon = definition.firstDay + searchHorizonDays(rule);
  const lastDay = definition.lastDay === null ? horizon : Math.min(horizon, definition.lastDay);
  const [first] = rruleOf(rule, definition.firstDay).between(
    new Date(definition.firstDay * DAY_MS),
    new Date(lastDay * DAY_MS),
    true,
    (_date, found) => found < 1,
  );
  return first ? first.getTime() / DAY_MS : null;
}

/**
 * Refuses a definition that cannot be stored, with one field error per problem
 * (`first_day`, `end_day`, `start_time`, `end_time`, `until`, `exdates.N`,
 * `recurrence`): malformed dates or times (`24:00` included), an end not after
 * the start, a single occurrence whose wall time a DST change skips, an RRULE
 * that cannot be read, uses parts other than FREQ (DAILY, WEEKLY, MONTHLY),
 * INTERVAL, BYDAY, BYMONTHDAY, BYSETPOS, UNTIL and COUNT, or never happens.
 * A rule with no end is fine: weekly forever is the usual plage.
 */
export function validateAgendaDefinition(definition: AgendaDefinition, timeZone: string): void {
  const errors: FieldError[] = [];
  const compiled = readDefinition(definition, errors);
  if (compiled?.rule) {
    if (firstOccurrenceDay(compiled, compiled.rule) === null) {
      errors.push({ path: 'recurrence', message: 'never happens on or after first_day (and before until)' });
    }
  } else if (compiled) {
    const skipped = (day: number) => `does not exist on ${formatDay(day)} in ${timeZone} (clock change)`;
    const lastDay = compiled.firstDay + compiled.spanDays;
    if (!wallTimeExists(timeZone, compiled.firstDay, compiled.startMinute)) {
      errors.push({ path: 'start_time', message: skipped(compiled.firstDay) });
    }
    if (!wallTimeExists(timeZone, lastDay, compiled.endMinute)) errors.push({ path: 'end_time', message: skipped(lastDay) });
  }
  if (errors.length > 0) throw AppError.invalid('Invalid agenda definition', errors);
}
