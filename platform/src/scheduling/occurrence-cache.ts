/**
 * Expanded occurrences of plage and absence definitions, memoised per week.
 *
 * Expanding 2,000 plages costs a few milliseconds per search, and searches ask
 * again and again for the same weeks. Occurrences are cached per definition
 * *content* (dates, times, rule, exdates), zone and UTC week, so a changed
 * definition is simply another key (nothing to invalidate, whatever process
 * changed it), plages sharing a rule share its expansion, and any window (a
 * week's search, next availability's growing windows from "now") is served
 * from the weeks it covers. Weeks not asked for in a while go first: entries
 * live in a young and an old generation; a hit in the old one moves the entry
 * to the young one, and a full young generation becomes the old one (the old
 * one is dropped). No bookkeeping on the common hit.
 */
import { AgendaDefinition, expandOccurrences } from '../agenda/recurrence';
import { DAY_MS, Interval } from '../agenda/time';

const WEEK_MS = 7 * DAY_MS;

/** The identity of a definition's meaning: two definitions with the same key have the same occurrences. */
export function definitionKey(definition: AgendaDefinition): string {
  return [
    definition.firstDay,
    definition.endDay ?? '',
    definition.startTime,
    definition.endTime,
    definition.recurrence ?? '',
    definition.until ?? '',
    (definition.exdates ?? []).join(','),
  ].join('|');
}

export class OccurrenceCache {
  private young = new Map<string, readonly Interval[]>();
  private old = new Map<string, readonly Interval[]>();

  /** At most `maxWeeks` entries are kept (half in each generation). */
  constructor(private readonly maxWeeks = 200_000) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  /**
   * The occurrences overlapping `window`, in start order, as expandOccurrences
   * gives them (whole, not clipped). The intervals are shared: do not mutate them.
   */
  occurrences(definition: AgendaDefinition, timeZone: string, window: Interval): Interval[] {
    if (window.end <= window.start) return [];
    const key = `${definitionKey(definition)}|${timeZone}|`;
    const firstWeek = Math.floor(window.start / WEEK_MS);
    const lastWeek = Math.floor((window.end - 1) / WEEK_MS);
    const result: Interval[] = [];
    for (let week = firstWeek; week <= lastWeek; week++) {
      const weekStart = week * WEEK_MS;
      for (const occurrence of this.week(key, definition, timeZone, week)) {
        // An occurrence reaching over a week boundary was listed with the earlier week.
        if (week > firstWeek && occurrence.start < weekStart) continue;
        if (occurrence.start < window.end && occurrence.end > window.start) result.push(occurrence);
      }
    }
    return result;
  }

  private week(key: string, definition: AgendaDefinition, timeZone: string, week: number): readonly Interval[] {
    const weekKey = key + week;
    const young = this.young.get(weekKey);
    if (young) return young;
    const occurrences = this.old.get(weekKey)
      ?? expandOccurrences(definition, timeZone, { start: week * WEEK_MS, end: (week + 1) * WEEK_MS });
    this.young.set(weekKey, occurrences);
    if (this.young.size >= this.maxWeeks / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    return occurrences;
  }
}
