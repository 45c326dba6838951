import { DateTime } from 'luxon';
import { buildRdvCalendar, calendarMethodFor, rdvCalendarUid, type RdvCalendarInput } from '../../../platform/src/notifications/ical';
import { NOTIFICATION_EVENTS } from '../../../platform/src/notifications/templates';
import { icsLines } from './mime';

const paris = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Paris' }).toJSDate();

function calendar(overrides: Partial<RdvCalendarInput> = {}): RdvCalendarInput {
  return {
    rdvId: '7f3c2a',
    host: 'rdv.example.fr',
    method: 'REQUEST',
    sequence: 0,
    startsAt: paris('2026-12-07T09:00'),
    endsAt: paris('2026-12-07T09:30'),
    summary: "Demande de carte d'identité – Mairie de Lyon 3e",
    location: 'Mairie annexe du 3e, 18 rue François Garcin, 69003 Lyon',
    description: 'Munissez-vous de votre ancienne carte.\nEt d’une photo.',
    url: 'https://rdv.example.fr/r/k3J9xQ2mVb7LpT4wZs8NcY',
    organizer: { name: 'Mairie de Lyon 3e', email: 'etat-civil@mairie3.example.fr' },
    attendee: { name: 'Camille Martin', email: 'camille@example.org' },
    now: new Date('2026-12-01T10:00:00Z'),
    ...overrides,
  };
}

/** The value of the first content line named `name` (parameters ignored). */
function property(lines: string[], name: string): string | undefined {
  const line = lines.find((candidate) => candidate.startsWith(`${name}:`) || candidate.startsWith(`${name};`));
  return line?.slice(line.indexOf(':', name.length) + 1);
}

describe('iCalendar of an rdv', () => {
  it('asks the calendar to add the event (METHOD:REQUEST), with the rdv details', () => {
    const ics = buildRdvCalendar(calendar());
    expect(ics).toContain('\r\n'); // RFC 5545 line ends
    const lines = icsLines(ics);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    expect(property(lines, 'METHOD')).toBe('REQUEST');
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(property(lines, 'UID')).toBe('rdv-7f3c2a@rdv.example.fr');
    expect(property(lines, 'SEQUENCE')).toBe('0');
    expect(property(lines, 'STATUS')).toBe('CONFIRMED');
    expect(property(lines, 'DTSTAMP')).toBe('20261201T100000Z');
    expect(property(lines, 'SUMMARY')).toBe("Demande de carte d'identité – Mairie de Lyon 3e");
    expect(property(lines, 'LOCATION')).toBe('Mairie annexe du 3e\\, 18 rue François Garcin\\, 69003 Lyon');
    expect(property(lines, 'DESCRIPTION')).toBe('Munissez-vous de votre ancienne carte.\\nEt d’une photo.');
    expect(lines).toContain('ORGANIZER;CN="Mairie de Lyon 3e":mailto:etat-civil@mairie3.example.fr');
    expect(lines.find((line) => line.startsWith('ATTENDEE'))).toMatch(/CN="Camille Martin":MAILTO:camille@example.org$/);
  });

  it('writes 09:00 in Paris as 08:00 UTC in winter and 07:00 UTC in summer', () => {
    const winter = icsLines(buildRdvCalendar(calendar()));
    expect(property(winter, 'DTSTART')).toBe('20261207T080000Z');
    expect(property(winter, 'DTEND')).toBe('20261207T083000Z');
    const summer = icsLines(buildRdvCalendar(calendar({ startsAt: paris('2026-07-06T09:00'), endsAt: paris('2026-07-06T10:15') })));
    expect(property(summer, 'DTSTART')).toBe('20260706T070000Z');
    expect(property(summer, 'DTEND')).toBe('20260706T081500Z');
  });

  it('cancels the same event: METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE', () => {
    const created = icsLines(buildRdvCalendar(calendar()));
    const cancelled = icsLines(buildRdvCalendar(calendar({ method: 'CANCEL', sequence: 3 })));
    expect(property(cancelled, 'METHOD')).toBe('CANCEL');
    expect(property(cancelled, 'STATUS')).toBe('CANCELLED');
    expect(property(cancelled, 'UID')).toBe(property(created, 'UID'));
    expect(property(cancelled, 'SEQUENCE')).toBe('3');
  });

  it('keeps one UID per rdv and host', () => {
    expect(rdvCalendarUid('7f3c2a', 'rdv.example.fr')).toBe('rdv-7f3c2a@rdv.example.fr');
    expect(rdvCalendarUid('7f3c2b', 'rdv.example.fr')).not.toBe(rdvCalendarUid('7f3c2a', 'rdv.example.fr'));
  });

  it('leaves out what is not known (no lieu for a phone rdv, no attendee)', () => {
    const lines = icsLines(buildRdvCalendar(calendar({ location: null, description: null, attendee: null })));
    expect(property(lines, 'LOCATION')).toBeUndefined();
    expect(property(lines, 'DESCRIPTION')).toBeUndefined();
    expect(property(lines, 'ATTENDEE')).toBeUndefined();
  });

  it('goes with creation, change and reminder as REQUEST, with cancellations as CANCEL, not with a no-show', () => {
    const methods = Object.fromEntries(NOTIFICATION_EVENTS.map((event) => [event, calendarMethodFor(event)]));
    expect(methods).toEqual({
      rdv_created: 'REQUEST',
      rdv_updated: 'REQUEST',
      rdv_reminder: 'REQUEST',
      rdv_cancelled_by_agent: 'CANCEL',
      rdv_cancelled_by_user: 'CANCEL',
      rdv_unscheduled: 'CANCEL',
      rdv_noshow: null,
    });
  });
});
