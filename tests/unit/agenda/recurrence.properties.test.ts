import fc from 'fast-check';
import { DateTime } from 'luxon';
import { RRule } from 'rrule';
import { expandOccurrences } from '../../../platform/src/agenda/recurrence';
import { formatDay, localDaysWindow, parseDay } from '../../../platform/src/agenda/time';

const DAY_MS = 86_400_000;
const ZONES = ['Europe/Paris', 'America/Guadeloupe', 'Indian/Reunion', 'America/Cayenne', 'Indian/Mayotte'];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

function minuteText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

const dayBetween = (from: string, to: string) => fc.integer({ min: parseDay(from)!, max: parseDay(to)! }).map(formatDay);

const weeklyRule = fc
  .record({
    interval: fc.integer({ min: 1, max: 4 }),
    days: fc.option(fc.subarray(WEEKDAYS, { minLength: 1 }), { nil: undefined }),
  })
  .map(({ interval, days }) => `FREQ=WEEKLY;INTERVAL=${interval}${days ? `;BYDAY=${days.join(',')}` : ''}`);

// Month days up to 28 and plain or ranked weekdays: rules that always have occurrences.
const monthlyRule = fc
  .record({
    interval: fc.integer({ min: 1, max: 6 }),
    by: fc.oneof(
      fc.constant(''),
      fc
        .uniqueArray(fc.integer({ min: -28, max: 28 }).filter((day) => day !== 0), { minLength: 1, maxLength: 3 })
        .map((days) => `;BYMONTHDAY=${days.join(',')}`),
      fc
        .uniqueArray(fc.tuple(fc.constantFrom('', '1', '2', '-1'), fc.constantFrom(...WEEKDAYS)), {
          minLength: 1,
          maxLength: 3,
          selector: ([, day]) => day,
        })
        .map((days) => `;BYDAY=${days.map(([rank, day]) => rank + day).join(',')}`),
      fc.constantFrom(';BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1', ';BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'),
    ),
  })
  .map(({ interval, by }) => `FREQ=MONTHLY;INTERVAL=${interval}${by}`);

/** Windows that often hold a clock change: starting in March or October, or anywhere. */
const windowStart = fc.oneof(
  fc.tuple(fc.integer({ min: 2025, max: 2029 }), fc.constantFrom('03', '10'), fc.integer({ min: 1, max: 28 })).map(
    ([year, month, day]) => `${year}-${month}-${String(day).padStart(2, '0')}`,
  ),
  dayBetween('2025-01-01', '2029-12-31'),
);

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    recurrence: fc.oneof(weeklyRule, monthlyRule),
    firstDay: dayBetween('2024-01-01', '2028-12-31'),
    startMinute: fc.integer({ min: 5 * 60, max: 20 * 60 }),
    lengthMin: fc.integer({ min: 15, max: 239 }),
    untilOffset: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    windowFrom: windowStart,
    windowDays: fc.integer({ min: 1, max: 120 }),
    exdateOffsets: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 5 }),
  })
  .map((s) => {
    const windowTo = formatDay(parseDay(s.windowFrom)! + s.windowDays - 1);
    const exdates = s.exdateOffsets.map((offset) => formatDay(parseDay(s.windowFrom)! + offset));
    const until = s.untilOffset === undefined ? undefined : formatDay(parseDay(s.firstDay)! + s.untilOffset);
    return { ...s, windowTo, exdates, until, startTime: minuteText(s.startMinute), endTime: minuteText(s.startMinute + s.lengthMin) };
  });

/** What plain rrule says, iterating from the first day (no window alignment, no memo). */
function referenceDays(s: {
  recurrence: string;
  firstDay: string;
  until?: string;
  exdates: string[];
  windowFrom: string;
  windowTo: string;
}): string[] {
  const rule = new RRule({ ...RRule.parseString(s.recurrence), dtstart: new Date(parseDay(s.firstDay)! * DAY_MS) });
  return rule
    .between(new Date(parseDay(s.windowFrom)! * DAY_MS), new Date(parseDay(s.windowTo)! * DAY_MS), true)
    .map((date) => formatDay(date.getTime() / DAY_MS))
    .filter((day) => (s.until === undefined || day <= s.until) && !s.exdates.includes(day));
}

describe('recurrence expansion, on random series', () => {
  it('yields exactly the days rrule gives from the first day, each at its wall times in the zone', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { firstDay, startTime, endTime, recurrence, until, exdates } = s;
        const definition = { firstDay, startTime, endTime, recurrence, until, exdates };
        const occurrences = expandOccurrences(definition, s.zone, localDaysWindow(s.windowFrom, s.windowTo, s.zone));
        const local = occurrences.map((occurrence) => ({
          start: DateTime.fromMillis(occurrence.start, { zone: s.zone }),
          end: DateTime.fromMillis(occurrence.end, { zone: s.zone }),
        }));
        expect(local.map(({ start }) => start.toISODate())).toEqual(referenceDays(s));
        for (const { start, end } of local) {
          expect(start.toFormat('HH:mm')).toBe(s.startTime);
          expect(end.toFormat('HH:mm')).toBe(s.endTime);
          expect(end.toISODate()).toBe(start.toISODate());
        }
      }),
      { numRuns: 300 },
    );
  });
});
