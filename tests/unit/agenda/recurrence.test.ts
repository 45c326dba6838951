import { DateTime } from 'luxon';
import { AppError } from '../../../platform/src/errors';
import { AgendaDefinition, expandOccurrences, validateAgendaDefinition } from '../../../platform/src/agenda/recurrence';
import { Interval, localDaysWindow } from '../../../platform/src/agenda/time';

const PARIS = 'Europe/Paris';

/** Occurrences as the territory's wall clock reads them: `2026-03-30 09:00–12:00`. */
function wall(occurrences: Interval[], zone = PARIS): string[] {
  return occurrences.map((occurrence) => {
    const start = DateTime.fromMillis(occurrence.start, { zone });
    const end = DateTime.fromMillis(occurrence.end, { zone });
    const endText = end.hasSame(start, 'day') ? end.toFormat('HH:mm') : end.toFormat('yyyy-MM-dd HH:mm');
    return `${start.toFormat('yyyy-MM-dd HH:mm')}–${endText}`;
  });
}

function expand(definition: AgendaDefinition, fromDate: string, toDate: string, zone = PARIS): string[] {
  return wall(expandOccurrences(definition, zone, localDaysWindow(fromDate, toDate, zone)), zone);
}

const weekly = (recurrence: string, extra: Partial<AgendaDefinition> = {}): AgendaDefinition => ({
  firstDay: '2026-01-05',
  startTime: '09:00',
  endTime: '12:00',
  recurrence,
  ...extra,
});

describe('expanding plages and absences', () => {
  it('keeps a weekly 09:00–12:00 at 09:00 local time across the March and October clock changes', () => {
    const definition = weekly('FREQ=WEEKLY;BYDAY=MO');
    expect(expand(definition, '2026-03-23', '2026-04-05')).toEqual(['2026-03-23 09:00–12:00', '2026-03-30 09:00–12:00']);
    expect(expand(definition, '2026-10-19', '2026-11-01')).toEqual(['2026-10-19 09:00–12:00', '2026-10-26 09:00–12:00']);
    // The instants move by an hour: CET is UTC+1, CEST UTC+2.
    const [beforeMarch, afterMarch] = expandOccurrences(definition, PARIS, localDaysWindow('2026-03-23', '2026-04-05', PARIS));
    expect(new Date(beforeMarch.start).toISOString()).toBe('2026-03-23T08:00:00.000Z');
    expect(new Date(afterMarch.start).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('keeps wall times on the clock-change Sundays themselves', () => {
    const sundays = weekly('FREQ=WEEKLY;BYDAY=SU', { startTime: '08:00', endTime: '18:00' });
    expect(expand(sundays, '2026-03-29', '2026-03-29')).toEqual(['2026-03-29 08:00–18:00']);
    expect(expand(sundays, '2026-10-25', '2026-10-25')).toEqual(['2026-10-25 08:00–18:00']);
    const [march] = expandOccurrences(sundays, PARIS, localDaysWindow('2026-03-29', '2026-03-29', PARIS));
    expect(march.end - march.start).toBe(10 * 3_600_000);
  });

  it('repeats every other week with INTERVAL=2, counted from the first day', () => {
    const definition = weekly('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH');
    expect(expand(definition, '2026-01-05', '2026-01-25')).toEqual([
      '2026-01-05 09:00–12:00',
      '2026-01-08 09:00–12:00',
      '2026-01-19 09:00–12:00',
      '2026-01-22 09:00–12:00',
    ]);
  });

  it('finds the right weeks of an INTERVAL=2 series years after it started', () => {
    const definition = weekly('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', { firstDay: '2020-01-06' });
    // 2049-01-11 is 10,598 = 14 × 757 days after 2020-01-06; 2049-01-04 and 2049-01-18 are off-weeks.
    expect(expand(definition, '2049-01-01', '2049-01-31')).toEqual(['2049-01-11 09:00–12:00', '2049-01-25 09:00–12:00']);
  });

  it('takes the weekday from the first day when a weekly rule has no BYDAY', () => {
    expect(expand(weekly('FREQ=WEEKLY', { firstDay: '2026-01-07' }), '2026-06-01', '2026-06-14')).toEqual([
      '2026-06-03 09:00–12:00',
      '2026-06-10 09:00–12:00',
    ]);
  });

  it('repeats monthly on a weekday rank, a month day, or the first day’s date', () => {
    expect(expand(weekly('FREQ=MONTHLY;BYDAY=1TU'), '2026-02-01', '2026-04-30')).toEqual([
      '2026-02-03 09:00–12:00',
      '2026-03-03 09:00–12:00',
      '2026-04-07 09:00–12:00',
    ]);
    expect(expand(weekly('FREQ=MONTHLY;BYMONTHDAY=-1'), '2026-02-01', '2026-04-30')).toEqual([
      '2026-02-28 09:00–12:00',
      '2026-03-31 09:00–12:00',
      '2026-04-30 09:00–12:00',
    ]);
    // Like RFC 5545, a rule on the 31st skips the months that have none.
    expect(expand(weekly('FREQ=MONTHLY', { firstDay: '2025-12-31' }), '2026-01-01', '2026-05-31')).toEqual([
      '2026-01-31 09:00–12:00',
      '2026-03-31 09:00–12:00',
      '2026-05-31 09:00–12:00',
    ]);
    const lastWorkdayQuarterly = weekly('FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', { firstDay: '2026-01-01' });
    expect(expand(lastWorkdayQuarterly, '2026-01-01', '2026-12-31')).toEqual([
      '2026-01-30 09:00–12:00',
      '2026-04-30 09:00–12:00',
      '2026-07-31 09:00–12:00',
      '2026-10-30 09:00–12:00',
    ]);
  });

  it('stops at until (included), at the rule’s UNTIL, and after COUNT occurrences', () => {
    const days = '2026-01-01';
    expect(expand(weekly('FREQ=WEEKLY;BYDAY=MO', { until: '2026-01-19' }), days, '2026-02-28')).toHaveLength(3);
    expect(expand(weekly('FREQ=WEEKLY;BYDAY=MO;UNTIL=20260112'), days, '2026-02-28')).toHaveLength(2);
    expect(expand(weekly('FREQ=WEEKLY;BYDAY=MO;UNTIL=20260126', { until: '2026-01-12' }), days, '2026-02-28')).toHaveLength(2);
    expect(expand(weekly('FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3'), days, '2026-02-28')).toEqual([
      '2026-01-05 09:00–12:00',
      '2026-01-09 09:00–12:00',
      '2026-01-12 09:00–12:00',
    ]);
    // COUNT is counted from the first day even when the window starts later.
    expect(expand(weekly('FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3'), '2026-01-10', '2026-02-28')).toEqual(['2026-01-12 09:00–12:00']);
  });

  it('skips the exdates', () => {
    const definition = weekly('FREQ=WEEKLY;BYDAY=MO', { exdates: ['2026-01-12', '2026-01-26'] });
    expect(expand(definition, '2026-01-05', '2026-02-01')).toEqual(['2026-01-05 09:00–12:00', '2026-01-19 09:00–12:00']);
  });

  it('gives a one-day plage once, on its day', () => {
    const definition: AgendaDefinition = { firstDay: '2026-06-10', startTime: '14:00', endTime: '17:30' };
    expect(expand(definition, '2026-06-01', '2026-06-30')).toEqual(['2026-06-10 14:00–17:30']);
    expect(expand(definition, '2026-06-11', '2026-06-30')).toEqual([]);
  });

  it('spans a multi-day absence from its start time on the first day to its end time on the last', () => {
    const absence: AgendaDefinition = { firstDay: '2026-06-10', endDay: '2026-06-12', startTime: '14:00', endTime: '12:00' };
    expect(expand(absence, '2026-06-01', '2026-06-30')).toEqual(['2026-06-10 14:00–2026-06-12 12:00']);
    // A window inside the absence still sees all of it.
    expect(expand(absence, '2026-06-11', '2026-06-11')).toEqual(['2026-06-10 14:00–2026-06-12 12:00']);
  });

  it('repeats a recurring absence, multi-day ones included', () => {
    const lunch: AgendaDefinition = { firstDay: '2026-06-01', startTime: '12:00', endTime: '13:30', recurrence: 'FREQ=DAILY' };
    expect(expand(lunch, '2026-06-03', '2026-06-04')).toEqual(['2026-06-03 12:00–13:30', '2026-06-04 12:00–13:30']);
    const weekends: AgendaDefinition = {
      firstDay: '2026-06-05',
      endDay: '2026-06-08',
      startTime: '18:00',
      endTime: '08:00',
      recurrence: 'FREQ=WEEKLY;INTERVAL=2',
    };
    expect(expand(weekends, '2026-06-01', '2026-06-30')).toEqual([
      '2026-06-05 18:00–2026-06-08 08:00',
      '2026-06-19 18:00–2026-06-22 08:00',
    ]);
  });

  it('reads wall times in the territory’s zone: 09:00 at La Réunion is 05:00 UTC all year', () => {
    const definition = weekly('FREQ=WEEKLY;BYDAY=MO');
    const reunion = expandOccurrences(definition, 'Indian/Reunion', localDaysWindow('2026-03-23', '2026-04-05', 'Indian/Reunion'));
    expect(reunion.map((occurrence) => new Date(occurrence.start).toISOString())).toEqual([
      '2026-03-23T05:00:00.000Z',
      '2026-03-30T05:00:00.000Z',
    ]);
    expect(expand(definition, '2026-03-23', '2026-04-05', 'America/Guadeloupe')).toEqual([
      '2026-03-23 09:00–12:00',
      '2026-03-30 09:00–12:00',
    ]);
  });

  it('moves wall times in the spring-forward gap later by the gap, and drops an occurrence left empty', () => {
    const early: AgendaDefinition = { firstDay: '2026-03-27', startTime: '02:30', endTime: '04:00', recurrence: 'FREQ=DAILY' };
    expect(expand(early, '2026-03-28', '2026-03-30')).toEqual([
      '2026-03-28 02:30–04:00',
      '2026-03-29 03:30–04:00',
      '2026-03-30 02:30–04:00',
    ]);
    const inTheGap: AgendaDefinition = { ...early, startTime: '02:15', endTime: '02:45' };
    expect(expand(inTheGap, '2026-03-29', '2026-03-29')).toEqual(['2026-03-29 03:15–03:45']);
    const endingAtTheGap: AgendaDefinition = { ...early, startTime: '02:30', endTime: '03:30' };
    expect(expand(endingAtTheGap, '2026-03-28', '2026-03-30')).toEqual(['2026-03-28 02:30–03:30', '2026-03-30 02:30–03:30']);
  });

  it('returns occurrences that overlap the window, not those that only touch it', () => {
    const definition = weekly('FREQ=DAILY');
    const [occurrence] = expandOccurrences(definition, PARIS, localDaysWindow('2026-06-10', '2026-06-10', PARIS));
    expect(expandOccurrences(definition, PARIS, { start: occurrence.end, end: occurrence.end + 3_600_000 })).toEqual([]);
    expect(expandOccurrences(definition, PARIS, { start: occurrence.start - 3_600_000, end: occurrence.start })).toEqual([]);
    expect(expandOccurrences(definition, PARIS, { start: occurrence.end - 1, end: occurrence.end })).toEqual([occurrence]);
  });

  it('does not depend on the host’s time zone', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(expand(weekly('FREQ=WEEKLY;INTERVAL=3;BYDAY=SU'), '2031-03-01', '2031-04-15')).toEqual([
        '2031-03-16 09:00–12:00',
        '2031-04-06 09:00–12:00',
      ]);
    } finally {
      process.env.TZ = previous;
    }
  });
});

describe('validating a definition', () => {
  function fieldErrors(definition: AgendaDefinition, zone = PARIS): { path: string; message: string }[] {
    try {
      validateAgendaDefinition(definition, zone);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).kind).toBe('invalid');
      return (error as AppError).errors;
    }
    return [];
  }
  const paths = (definition: AgendaDefinition, zone = PARIS) => fieldErrors(definition, zone).map((error) => error.path);
  const oneDay: AgendaDefinition = { firstDay: '2026-06-10', startTime: '09:00', endTime: '12:00' };

  it('accepts ordinary plages and absences, a weekly one with no end included', () => {
    expect(paths(oneDay)).toEqual([]);
    expect(paths(weekly('FREQ=WEEKLY;BYDAY=MO,TU'))).toEqual([]);
    expect(paths(weekly('RRULE:FREQ=MONTHLY;BYDAY=-1FR', { until: '2027-01-01', exdates: ['2026-01-30'] }))).toEqual([]);
    expect(paths(weekly('freq=weekly;byday=mo,fr;'))).toEqual([]);
    expect(paths({ firstDay: '2026-06-10', endDay: '2026-06-11', startTime: '18:00', endTime: '08:00' })).toEqual([]);
    // Recurring wall times in the DST gap are allowed: those occurrences move forward.
    expect(paths(weekly('FREQ=WEEKLY;BYDAY=SU', { startTime: '02:30', endTime: '05:00' }))).toEqual([]);
  });

  it('refuses malformed times, 24:00 included, and an end not after the start', () => {
    expect(paths({ ...oneDay, startTime: '24:00' })).toEqual(['start_time']);
    expect(paths({ ...oneDay, endTime: '9:30' })).toEqual(['end_time']);
    expect(paths({ ...oneDay, endTime: '08:00' })).toEqual(['end_time']);
    expect(paths({ ...oneDay, endTime: '09:00' })).toEqual(['end_time']);
  });

  it('refuses dates that do not exist and days out of order', () => {
    expect(paths({ ...oneDay, firstDay: '2026-02-30' })).toEqual(['first_day']);
    expect(paths({ ...oneDay, firstDay: '10/06/2026' })).toEqual(['first_day']);
    expect(paths({ ...oneDay, endDay: '2026-06-09' })).toEqual(['end_day']);
    expect(paths(weekly('FREQ=WEEKLY', { until: '2026-01-04' }))).toEqual(['until']);
    expect(paths(weekly('FREQ=WEEKLY', { exdates: ['2026-01-12', '2026-13-01'] }))).toEqual(['exdates.1']);
  });

  it('refuses a single occurrence at a wall time the spring clock change skips', () => {
    expect(paths({ firstDay: '2026-03-29', startTime: '02:30', endTime: '05:00' })).toEqual(['start_time']);
    expect(paths({ firstDay: '2026-03-29', startTime: '01:00', endTime: '02:45' })).toEqual(['end_time']);
    expect(paths({ firstDay: '2026-03-28', endDay: '2026-03-29', startTime: '20:00', endTime: '02:00' })).toEqual(['end_time']);
    // The same hours exist at La Réunion, which has no DST.
    expect(paths({ firstDay: '2026-03-29', startTime: '02:30', endTime: '05:00' }, 'Indian/Reunion')).toEqual([]);
    // 02:30 on the autumn Sunday happens twice: it exists.
    expect(paths({ firstDay: '2026-10-25', startTime: '02:30', endTime: '05:00' })).toEqual([]);
  });

  it.each([
    ['garbage', 'not NAME=VALUE'],
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY'],
    ['FREQ=WEEKLY;BYDAY=MO;BYDAY=TU', 'twice'],
    ['FREQ=YEARLY', 'FREQ'],
    ['FREQ=HOURLY', 'FREQ'],
    ['BYDAY=MO', 'FREQ'],
    ['FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2', 'BYMONTH is not supported'],
    ['FREQ=WEEKLY;BYHOUR=9', 'BYHOUR is not supported'],
    ['DTSTART:20260101T090000;FREQ=WEEKLY', 'NAME=VALUE'],
    ['FREQ=WEEKLY;WKST=SU', 'WKST is not supported'],
    ['FREQ=WEEKLY;INTERVAL=0', 'INTERVAL'],
    ['FREQ=WEEKLY;INTERVAL=two', 'INTERVAL'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'ordinals'],
    ['FREQ=WEEKLY;BYMONTHDAY=3', 'BYMONTHDAY'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY'],
    ['FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS'],
    ['FREQ=DAILY;BYDAY=MO', 'FREQ=DAILY'],
    ['FREQ=WEEKLY;UNTIL=2026-12-31', 'UNTIL'],
    ['FREQ=WEEKLY;COUNT=0', 'COUNT'],
    ['FREQ=WEEKLY;COUNT=5;UNTIL=20261231', 'together'],
  ])('refuses the recurrence %s', (recurrence, hint) => {
    const errors = fieldErrors(weekly(recurrence));
    expect(errors.map((error) => error.path)).toEqual(['recurrence']);
    expect(errors[0].message).toContain(hint);
  });

  it('refuses recurrences that never happen', () => {
    // Every 12 months from February: never a 31st.
    expect(paths(weekly('FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31', { firstDay: '2026-02-01' }))).toEqual(['recurrence']);
    // At most one fifth Monday a month, so never a second one.
    expect(paths(weekly('FREQ=MONTHLY;BYDAY=5MO;BYSETPOS=2'))).toEqual(['recurrence']);
    expect(paths(weekly('FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2'))).toEqual(['recurrence']);
    // The first Monday after Tuesday 6 January is past until.
    expect(paths(weekly('FREQ=WEEKLY;BYDAY=MO', { firstDay: '2026-01-06', until: '2026-01-11' }))).toEqual(['recurrence']);
    // ...but a rule that happens rarely is fine.
    expect(paths(weekly('FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=29', { firstDay: '2027-02-01' }))).toEqual([]);
  });

  it('reports every problem at once', () => {
    const everythingWrong = { firstDay: 'tomorrow', startTime: '25:00', endTime: '12:00', recurrence: 'FREQ=YEARLY', until: 'never' };
    expect(paths(everythingWrong).sort()).toEqual([
      'first_day',
      'recurrence',
      'start_time',
      'until',
    ]);
  });

  it('refuses an unknown time zone', () => {
    expect(paths(oneDay, 'Europe/Lapinville')).toEqual(['timezone']);
  });
});

describe('local day windows', () => {
  it('spans whole local days, 23 hours on the spring-forward Sunday', () => {
    const window = localDaysWindow('2026-03-29', '2026-03-29', PARIS);
    expect(new Date(window.start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(window.end - window.start).toBe(23 * 3_600_000);
  });

  it('refuses bad dates and reversed ranges with the query field', () => {
    expect(() => localDaysWindow('2026-03-30', '2026-03-29', PARIS)).toThrow(
      expect.objectContaining({ kind: 'invalid', errors: [{ path: 'to', message: 'must not be before from' }] }),
    );
    expect(() => localDaysWindow('2026-3-1', '2026-03-29', PARIS)).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'from' })] }),
    );
  });
});
