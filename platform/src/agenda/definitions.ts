/**
 * The time part of plages and absences as the API receives it, checked before
 * anything is written: the pure rules of agenda/recurrence.ts, plus the
 * platform's own (a recurrence must end, within a bounded span).
 */
import { tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { AgendaDefinition, seriesEndDay, validateAgendaDefinition } from './recurrence';

/** The agenda fields shared by plages d'ouverture and absences, snake_case as in the API. */
export interface AgendaFields {
  first_day: string;
  end_day?: string | null;
  start_time: string;
  end_time: string;
  recurrence?: string | null;
  until?: string | null;
  exdates?: string[] | null;
}

/** A series may run this many years at most: an agenda that never ends is refused, and old ones get purged. */
export const MAX_SERIES_YEARS = 5;

export function definitionOf(fields: AgendaFields): AgendaDefinition {
  return {
    firstDay: fields.first_day,
    endDay: fields.end_day ?? null,
    startTime: fields.start_time,
    endTime: fields.end_time,
    recurrence: fields.recurrence || null,
    until: fields.until ?? null,
    exdates: fields.exdates ?? [],
  };
}

function addYears(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) + years).padStart(4, '0')}${date.slice(4)}`;
}

/**
 * Refuses a definition that cannot be stored, with field paths (`first_day`,
 * `end_time`, `recurrence`, `until`, `exdates.N`...), and answers its `last_day`:
 * the last local day one of its occurrences covers. A recurrence must end (by
 * `until`, UNTIL or COUNT) within MAX_SERIES_YEARS of its first day.
 */
export function checkAgendaFields(fields: AgendaFields, timeZone: string): { lastDay: string } {
  const definition = definitionOf(fields);
  validateAgendaDefinition(definition, timeZone);
  const lastDay = seriesEndDay(definition);
  const errors: FieldError[] = [];
  const latest = addYears(fields.first_day, MAX_SERIES_YEARS);
  if (lastDay === null) {
    errors.push({ path: 'until', message: `a recurrence must end: give the last day (at most ${MAX_SERIES_YEARS} years after first_day)` });
  } else if (lastDay > latest) {
    errors.push({
      path: definition.recurrence && !fields.until ? 'recurrence' : 'until',
      message: `the series must end by ${latest} (${MAX_SERIES_YEARS} years after first_day)`,
    });
  }
  if (errors.length > 0) throw AppError.invalid('Invalid agenda definition', errors);
  return { lastDay: lastDay! };
}

/** The current territory's time zone, in which agenda dates and times are read. */
export async function territoryTimeZone(): Promise<string> {
  const [territory] = await tx().query(`SELECT timezone FROM territories WHERE id = current_territory_id()`);
  if (!territory) throw new Error('The current territory is not visible');
  return territory.timezone;
}
