/**
 * Expanded occurrences of plage and absence definitions, memoised per definition and week.
 *
 * Expanding 2,000 plages costs a few milliseconds per search, and searches ask
 * again and again for the same weeks. Occurrences are cached per definition
 * *content* (dates, times, rule, exdates), zone and UTC week, so a changed
 * definition is simply another key (nothing to invalidate, whatever process
 * changed it), plages sharing a rule share its expansion, and any window (a
 * week's search, next availability's growing windows from "now") is served
 * from the weeks it covers. Definitions not asked for in a while go first:
 * they live in a young and an old generation; a hit in the old one moves the
 * definition to the young one, and a full young generation becomes the old one
 * (the old one is dropped). No bookkeeping on the common hit: a definition
 * object seen before (searches keep agendas, see AgendaKeeper) finds its weeks
 * by identity, another one by its (long) key; weeks are looked up by number.
 */
import { AgendaDefinition, expandOccurrences } from '../agenda/recurrence';
import { DAY_MS, Interval } from '../agenda/time';

const WEEK_MS = 7 * DAY_MS;

/** The identity of a definition's meaning: two definitions with the same key have the same occurrences. */
function definitionKey(definition: AgendaDefinition): string {
  // Concatenated rather than joined from an array: a territory-wide search keys a thousand definitions.
  return `${definition.firstDay}|${definition.endDay ?? ''}|${definition.startTime}|${definition.endTime}|${definition.recurrence ?? ''}|`
    + `${definition.until ?? ''}|${definition.exdates?.join(',') ?? ''}`;
}

/** One definition's expansions in one zone, by UTC week number. */
type Weeks = Map<number, readonly Interval[]>;

export class OccurrenceCache {
  private young = new Map<string, Weeks>();
  private old = new Map<string, Weeks>();
  /** Weeks by definition object and zone: no long key to build and hash for a definition seen before. */
  private readonly byDefinition = new WeakMap<AgendaDefinition, Map<string, Weeks>>();

  /** At most `maxDefinitions` definitions are kept (half in each generation). */
  constructor(private readonly maxDefinitions = 50_000) {}

  /** How many definitions are cached. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /**
   * The occurrences overlapping `window`, in start order, as expandOccurrences
   * gives them (whole, not clipped). The intervals are shared: do not mutate them.
   */
  occurrences(definition: AgendaDefinition, timeZone: string, window: Interval): Interval[] {
    if (window.end <= window.start) return [];
    const weeks = this.weeksOf(definition, timeZone);
    const firstWeek = Math.floor(window.start / WEEK_MS);
    const lastWeek = Math.floor((window.end - 1) / WEEK_MS);
    const result: Interval[] = [];
    for (let week = firstWeek; week <= lastWeek; week++) {
      let occurrences = weeks.get(week);
      if (!occurrences) {
        occurrences = expandOccurrences(definition, timeZone, { start: week * WEEK_MS, end: (week + 1) * WEEK_MS });
        weeks.set(week, occurrences);
      }
      const weekStart = week * WEEK_MS;
      for (const occurrence of occurrences) {
        // An occurrence reaching over a week boundary was listed with the earlier week.
        if (week > firstWeek && occurrence.start < weekStart) continue;
        if (occurrence.start < window.end && occurrence.end > window.start) result.push(occurrence);
      }
    }
    return result;
  }

  private weeksOf(definition: AgendaDefinition, timeZone: string): Weeks {
    let byZone = this.byDefinition.get(definition);
    let weeks = byZone?.get(timeZone);
    if (weeks) return weeks;
    weeks = this.weeksByKey(`${definitionKey(definition)}|${timeZone}`);
    if (!byZone) {
      byZone = new Map();
      this.byDefinition.set(definition, byZone);
    }
    byZone.set(timeZone, weeks);
    return weeks;
  }

  private weeksByKey(key: string): Weeks {
    const young = this.young.get(key);
    if (young) return young;
    const weeks: Weeks = this.old.get(key) ?? new Map();
    this.young.set(key, weeks);
    if (this.young.size >= this.maxDefinitions / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    return weeks;
  }
}
