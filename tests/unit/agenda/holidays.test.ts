import { DateTime } from 'luxon';
import { AppError } from '../../../platform/src/errors';
import { HolidayZone, holidayClosures, holidayZones, publicHolidays } from '../../../platform/src/agenda/holidays';
import { localDaysWindow } from '../../../platform/src/agenda/time';

const datesOf = (zone: HolidayZone, from = '2026-01-01', to = '2026-12-31') =>
  publicHolidays(zone, from, to).map((holiday) => holiday.date);

describe('public holidays', () => {
  it('gives metropolitan France its eleven days, without Good Friday nor 26 December', () => {
    expect(datesOf('metropole')).toEqual([
      '2026-01-01',
      '2026-04-06',
      '2026-05-01',
      '2026-05-08',
      '2026-05-14',
      '2026-05-25',
      '2026-07-14',
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-25',
    ]);
    expect(publicHolidays('metropole', '2026-07-14', '2026-07-14')).toEqual([{ date: '2026-07-14', name: 'Fête Nationale de la France' }]);
  });

  it('adds Good Friday and 26 December in Alsace-Moselle', () => {
    const alsace = datesOf('alsace_moselle');
    expect(alsace).toEqual(expect.arrayContaining(['2026-04-03', '2026-12-26']));
    expect(alsace.filter((date) => !datesOf('metropole').includes(date))).toEqual(['2026-04-03', '2026-12-26']);
  });

  it.each([
    ['guadeloupe', '2026-05-27'],
    ['martinique', '2026-05-22'],
    ['guyane', '2026-06-10'],
    ['reunion', '2026-12-20'],
    ['mayotte', '2026-04-27'],
  ] as const)('closes %s on its abolition-of-slavery day', (zone, date) => {
    expect(datesOf(zone)).toContain(date);
    expect(datesOf('metropole')).not.toContain(date);
  });

  it('covers every zone it lists, each with at least the national days', () => {
    for (const zone of holidayZones) expect(datesOf(zone)).toEqual(expect.arrayContaining(datesOf('metropole')));
  });

  it('crosses years and keeps date order', () => {
    expect(datesOf('metropole', '2026-12-20', '2027-01-05')).toEqual(['2026-12-25', '2027-01-01']);
  });

  it('refuses an unknown zone', () => {
    expect(() => publicHolidays('corse' as HolidayZone, '2026-01-01', '2026-12-31')).toThrow(AppError);
  });
});

describe('holiday closures', () => {
  it('closes the whole local day of a holiday, and nothing when the territory reopens it', () => {
    const window = localDaysWindow('2026-07-13', '2026-07-16', 'Europe/Paris');
    const [closure, ...others] = holidayClosures('metropole', 'Europe/Paris', window);
    expect(others).toEqual([]);
    expect(DateTime.fromMillis(closure.start, { zone: 'Europe/Paris' }).toISO()).toBe('2026-07-14T00:00:00.000+02:00');
    expect(DateTime.fromMillis(closure.end, { zone: 'Europe/Paris' }).toISO()).toBe('2026-07-15T00:00:00.000+02:00');
    expect(holidayClosures('metropole', 'Europe/Paris', window, ['2026-07-14'])).toEqual([]);
  });

  it('uses the territory’s time zone for the day’s bounds', () => {
    const window = localDaysWindow('2026-12-19', '2026-12-21', 'Indian/Reunion');
    expect(holidayClosures('reunion', 'Indian/Reunion', window).map((closure) => new Date(closure.start).toISOString())).toEqual([
      '2026-12-19T20:00:00.000Z',
    ]);
  });

  it('keeps only holidays overlapping the window', () => {
    const window = localDaysWindow('2026-07-15', '2026-08-14', 'Europe/Paris');
    expect(holidayClosures('metropole', 'Europe/Paris', window)).toEqual([]);
  });
});
