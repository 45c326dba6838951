import { reminderDueAt, type ReminderCalendar } from '../../../platform/src/notifications/reminders';

const paris: ReminderCalendar = { workingDaysOnly: true, timeZone: 'Europe/Paris', holidays: { zone: 'metropole', reopened: [] } };
const due = (startsAt: string, hoursBefore: number, calendar = paris) => new Date(reminderDueAt({ startsAt: new Date(startsAt), hoursBefore }, calendar)).toISOString();

describe('when a reminder goes', () => {
  it('goes hours_before the start on a working day', () => {
    expect(due('2026-12-03T09:00:00+01:00', 48)).toBe('2026-12-01T08:00:00.000Z');
  });

  it('gives way to the Saturday when it would fall on a Sunday, at the same time of day', () => {
    expect(due('2026-12-15T10:00:00+01:00', 48)).toBe('2026-12-12T09:00:00.000Z');
  });

  it('gives way to the working day before a public holiday', () => {
    // 48 hours before Sunday 27 December is Christmas Day.
    expect(due('2026-12-27T11:00:00+01:00', 48)).toBe('2026-12-24T10:00:00.000Z');
  });

  it('goes back over a holiday and the Sunday before it, keeping the local time across the change of hour', () => {
    // Easter Monday 29 March 2027 → Sunday 28 (summer time begins) → Saturday 27, still in winter time.
    expect(due('2027-03-31T10:00:00+02:00', 48)).toBe('2027-03-27T09:00:00.000Z');
  });

  it('keeps a holiday the territory reopened, and any day when the territory does not keep to working days', () => {
    expect(due('2026-12-27T11:00:00+01:00', 48, { ...paris, holidays: { zone: 'metropole', reopened: ['2026-12-25'] } })).toBe('2026-12-25T10:00:00.000Z');
    expect(due('2026-12-15T10:00:00+01:00', 48, { ...paris, workingDaysOnly: false })).toBe('2026-12-13T09:00:00.000Z');
  });

  it('follows the holidays of the territory’s zone', () => {
    // 26 December is a holiday in Alsace-Moselle only.
    expect(due('2026-12-28T09:00:00+01:00', 48)).toBe('2026-12-26T08:00:00.000Z');
    expect(due('2026-12-28T09:00:00+01:00', 48, { ...paris, holidays: { zone: 'alsace_moselle', reopened: [] } })).toBe('2026-12-24T08:00:00.000Z');
  });
});
