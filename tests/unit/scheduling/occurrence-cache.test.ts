import fc from 'fast-check';
import { DateTime } from 'luxon';
import { isoInZone } from '../../../platform/src/agenda/iso';
import { AgendaDefinition, expandOccurrences } from '../../../platform/src/agenda/recurrence';
import { OccurrenceCache } from '../../../platform/src/scheduling/occurrence-cache';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');

const definitions: AgendaDefinition[] = [
  { firstDay: '2026-01-05', startTime: '09:00', endTime: '12:00', recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE,FR', until: '2027-06-30' },
  { firstDay: '2026-02-03', startTime: '23:30', endTime: '23:59', recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU', exdates: ['2026-03-03'] },
  { firstDay: '2026-01-15', startTime: '02:30', endTime: '04:00', recurrence: 'FREQ=MONTHLY;BYDAY=-1SU', until: null },
  // An absence over several days, repeated every week: occurrences reach over week boundaries.
  { firstDay: '2026-01-09', endDay: '2026-01-12', startTime: '18:00', endTime: '08:00', recurrence: 'FREQ=WEEKLY', until: '2026-12-31' },
  { firstDay: '2026-03-29', startTime: '00:15', endTime: '03:45', recurrence: null },
];

describe('the occurrence cache', () => {
  it('answers exactly what expandOccurrences answers, for any window, zone and cache state', () => {
    const cache = new OccurrenceCache(4); // small: evictions happen during the run
    fc.assert(
      fc.property(
        fc.constantFrom(...definitions),
        fc.constantFrom('Europe/Paris', 'America/Cayenne', 'Indian/Reunion', 'Pacific/Chatham'),
        fc.integer({ min: 0, max: 500 * DAY }),
        fc.integer({ min: 1, max: 60 * DAY }),
        (definition, zone, offset, length) => {
          const window = { start: START + offset, end: START + offset + length };
          expect(cache.occurrences(definition, zone, window)).toEqual(expandOccurrences(definition, zone, window));
        },
      ),
      { numRuns: 400 },
    );
    expect(cache.size).toBeLessThanOrEqual(4);
  });
});

describe('instants in the API', () => {
  it('writes the wall time with the zone offset, as luxon does, across clock changes and odd offsets', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Paris', 'America/Cayenne', 'Indian/Reunion', 'Pacific/Chatham', 'Asia/Kathmandu', 'UTC'),
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z') / 60_000, max: Date.parse('2030-12-31T00:00:00Z') / 60_000 }),
        (zone, minute) => {
          const instant = minute * 60_000;
          const expected = DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!.replace(/Z$/, '+00:00');
          expect(isoInZone(instant, zone)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
    expect(isoInZone(Date.parse('2026-12-07T08:00:00Z'), 'Europe/Paris')).toBe('2026-12-07T09:00:00+01:00');
    expect(isoInZone(Date.parse('2027-03-28T01:00:00Z'), 'Europe/Paris')).toBe('2027-03-28T03:00:00+02:00');
  });
});
