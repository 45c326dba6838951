/**
 * The slot engine: créneaux from plage occurrences, busy intervals, motif rules
 * and "now". Pure: no I/O, no clock; instants are epoch milliseconds so the hot
 * path is number arithmetic (luxon is only needed to expand recurrences, see
 * agenda/recurrence.ts, once per occurrence).
 *
 * For each agent (in id order) and lieu (in id order): take its plage occurrences
 * for the motif, subtract its busy time with a sweep over sorted intervals, and
 * step slots through each free interval. Each occurrence keeps its own grid, so a
 * slot depends only on the occurrence holding it and the busy time over it, never
 * on the window asked for. Slots are gathered per start time, which both sorts
 * them and removes the duplicates an audience should not see.
 */
import { AppError, FieldError } from '../errors';
import { DAY_MS, EpochMs, Interval, MINUTE_MS } from '../agenda/time';

export type { EpochMs, Interval };

/** One occurrence of a plage d'ouverture: where and for which motifs an agent is open. */
export interface PlageOccurrence extends Interval {
  agentId: string;
  lieuId: string;
  motifIds: readonly string[];
}

/**
 * Time an agent cannot take: an absence occurrence or an active rdv (one entry per
 * agent of the rdv; a collectif rdv too). For an rdv, `bufferAfterMin` is the
 * buffer of the rdv's own motif: the agent stays busy that long after it.
 */
export interface AgentBusy extends Interval {
  agentId: string;
  bufferAfterMin?: number | null;
}

/** A collectif rdv that still has seats: the créneaux of a collectif motif. */
export interface CollectifSession extends Interval {
  agentId: string;
  lieuId: string;
  motifId: string;
  remainingSeats: number;
}

export interface MotifRules {
  id: string;
  durationMin: number;
  /**
   * Minutes between two slot starts; by default the room a slot needs (duration
   * + buffer), so that back-to-back slots can all be booked.
   */
  stepMin?: number | null;
  /** Minutes the agent stays busy after each rdv of this motif. */
  bufferAfterMin?: number | null;
  /** The public books from now + this many seconds... */
  minPublicDelaySec: number;
  /** ...up to now + this many seconds (included). */
  maxPublicDelaySec: number;
  /** The delays bind agents' searches too. */
  delaysForAgents?: boolean;
  collectif: boolean;
}

/**
 * `agent`: every future slot (within the booking delays when the motif binds agents
 * to them), one per start time and agent.
 * `public` (usagers, prescripteurs): slots within the motif's booking delays, one
 * per start time and lieu, given to the agent with the smallest id.
 */
export type Audience = 'agent' | 'public';

/**
 * What the engine reads about agendas, loaded for a window. Plage occurrences are
 * whole (not clipped to the window); busy intervals and closures must cover them,
 * e.g. everything overlapping [window start − 1 day, window end + 1 day).
 */
export interface AgendaSnapshot {
  plages: readonly PlageOccurrence[];
  busy: readonly AgentBusy[];
  /** Closed for every agent: public holidays, territory or organisation closures. */
  closures: readonly Interval[];
  collectifSessions?: readonly CollectifSession[];
}

export interface CreneauxQuery {
  motif: MotifRules;
  audience: Audience;
  now: EpochMs;
  /** Slots starting in [start, end) are returned. */
  window: Interval;
}

export type CreneauxInput = CreneauxQuery & AgendaSnapshot;

export interface Creneau {
  startsAt: EpochMs;
  endsAt: EpochMs;
  agentId: string;
  lieuId: string;
  motifId: string;
}

/** When "now" falls in a free interval, its first slot is now rounded up to this step from the interval's start. */
const NOW_ROUNDING_MS = 5 * MINUTE_MS;
/** How far `nextAvailability` looks by default: 6 months. */
export const NEXT_AVAILABILITY_HORIZON_MS = 183 * DAY_MS;
const FIRST_SEARCH_WINDOW_MS = 7 * DAY_MS;

interface SlotRules {
  durationMs: number;
  stepMs: number;
  /** The free time a slot needs: its duration and the motif's buffer after it. */
  roomMs: number;
}

function slotRulesOf(motif: MotifRules): SlotRules {
  const errors: FieldError[] = [];
  const positive = (value: number | null | undefined) =>
    value !== null && value !== undefined && Number.isFinite(value) && value > 0;
  if (!positive(motif.durationMin)) {
    errors.push({ path: 'default_duration_in_min', message: 'must be a positive number of minutes' });
  }
  if (motif.stepMin !== null && motif.stepMin !== undefined && !positive(motif.stepMin)) {
    errors.push({ path: 'slot_step_min', message: 'must be a positive number of minutes' });
  }
  const bufferAfterMin = motif.bufferAfterMin ?? 0;
  if (!Number.isFinite(bufferAfterMin) || bufferAfterMin < 0) {
    errors.push({ path: 'buffer_after_min', message: 'must be zero or a positive number of minutes' });
  }
  if (errors.length > 0) throw AppError.invalid(`Motif ${motif.id} cannot give slots`, errors);
  const durationMs = motif.durationMin * MINUTE_MS;
  const roomMs = durationMs + bufferAfterMin * MINUTE_MS;
  return { durationMs, roomMs, stepMs: motif.stepMin ? motif.stepMin * MINUTE_MS : roomMs };
}

/**
 * Gathers slots by start time. Offers must come in (agent id, lieu id) order, so
 * the first offer kept for a start time is the smallest agent (public: per lieu)
 * or the smallest lieu (agents: per agent).
 */
class SlotCollector {
  private readonly byStart = new Map<EpochMs, Creneau[]>();

  constructor(
    private readonly audience: Audience,
    private readonly motifId: string,
  ) {}

  offer(startsAt: EpochMs, endsAt: EpochMs, agentId: string, lieuId: string): void {
    let slots = this.byStart.get(startsAt);
    if (!slots) {
      slots = [];
      this.byStart.set(startsAt, slots);
    } else if (
      this.audience === 'public' ? slots.some((slot) => slot.lieuId === lieuId) : slots[slots.length - 1].agentId === agentId
    ) {
      return;
    }
    slots.push({ startsAt, endsAt, agentId, lieuId, motifId: this.motifId });
  }

  /** Sorted by start, then agent id (then lieu id). */
  slots(): Creneau[] {
    const starts = [...this.byStart.keys()].sort((a, b) => a - b);
    const result: Creneau[] = [];
    for (const start of starts) result.push(...this.byStart.get(start)!);
    return result;
  }
}

function byIdOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts by start (in place) and fuses intervals that overlap or touch. */
function coalesce(intervals: Interval[]): Interval[] {
  intervals.sort((a, b) => a.start - b.start);
  const fused: Interval[] = [];
  for (const interval of intervals) {
    const last = fused[fused.length - 1];
    if (last && interval.start <= last.end) {
      if (interval.end > last.end) fused[fused.length - 1] = { start: last.start, end: interval.end };
    } else {
      fused.push(interval);
    }
  }
  return fused;
}

/** Calls `visit` for each part of the openings (sorted by start) that no busy interval (sorted, disjoint) covers. */
function sweepFree(
  openings: readonly Interval[],
  busy: readonly Interval[],
  visit: (start: EpochMs, end: EpochMs) => void,
): void {
  let first = 0;
  for (const opening of openings) {
    while (first < busy.length && busy[first].end <= opening.start) first++;
    let cursor = opening.start;
    for (let index = first; index < busy.length && busy[index].start < opening.end; index++) {
      if (busy[index].start > cursor) visit(cursor, busy[index].start);
      cursor = busy[index].end; // disjoint and sorted: each one ends after the cursor
    }
    if (cursor < opening.end) visit(cursor, opening.end);
  }
}

/** The first of `origin`, `origin + step`, `origin + 2 step`... that is not before `atLeast`. */
function firstOnGrid(origin: EpochMs, step: number, atLeast: EpochMs): EpochMs {
  return origin >= atLeast ? origin : origin + Math.ceil((atLeast - origin) / step) * step;
}

/** The earliest and latest (excluded) slot start this audience may see. */
function startBounds({ motif, audience, now, window }: CreneauxQuery): Interval {
  if (audience === 'agent' && !motif.delaysForAgents) return { start: Math.max(window.start, now), end: window.end };
  return {
    start: Math.max(window.start, now, now + motif.minPublicDelaySec * 1000),
    end: Math.min(window.end, now + motif.maxPublicDelaySec * 1000 + 1),
  };
}

function collectifCreneaux(input: CreneauxInput, bounds: Interval, collector: SlotCollector): void {
  const sessions = (input.collectifSessions ?? [])
    .filter(
      (session) =>
        session.motifId === input.motif.id &&
        session.remainingSeats > 0 &&
        session.start >= bounds.start &&
        session.start < bounds.end,
    )
    .sort((a, b) => byIdOrder(a.agentId, b.agentId) || byIdOrder(a.lieuId, b.lieuId) || a.start - b.start);
  for (const session of sessions) collector.offer(session.start, session.end, session.agentId, session.lieuId);
}

/**
 * The créneaux of `input.motif` starting in `input.window`, sorted by start then
 * agent id, the same for the same input whatever its order.
 *
 * Free time is each plage occurrence open to the motif minus its agent's busy
 * intervals (each rdv stretched by its buffer) and the closures; intervals that
 * only touch do not conflict. Occurrences are not fused: a plage that follows
 * another back to back starts its own slots (and an agent's overlapping plages,
 * a data error, may give overlapping slots). In each free interval slots start
 * at its beginning and step by the motif's step while the slot and its buffer
 * fit. A slot that has begun is not offered: in a free interval that started
 * before `now`, the first slot is `now` rounded up to a 5-minute step counted
 * from the interval's start, the next ones follow by the motif's step. A
 * collectif motif's créneaux are its sessions with seats left.
 */
export function computeCreneaux(input: CreneauxInput): Creneau[] {
  const { motif, now } = input;
  const rules = slotRulesOf(motif);
  const bounds = startBounds(input);
  const collector = new SlotCollector(input.audience, motif.id);
  if (bounds.start >= bounds.end) return [];
  if (motif.collectif) {
    collectifCreneaux(input, bounds, collector);
    return collector.slots();
  }

  // Openings per agent and lieu, keeping only those where a slot could start in bounds.
  const openingsByAgent = new Map<string, Map<string, Interval[]>>();
  let openingsStart = Infinity;
  let openingsEnd = -Infinity;
  for (const plage of input.plages) {
    if (plage.end <= bounds.start || plage.start >= bounds.end || !plage.motifIds.includes(motif.id)) continue;
    if (plage.start < openingsStart) openingsStart = plage.start;
    if (plage.end > openingsEnd) openingsEnd = plage.end;
    let byLieu = openingsByAgent.get(plage.agentId);
    if (!byLieu) {
      byLieu = new Map();
      openingsByAgent.set(plage.agentId, byLieu);
    }
    const openings = byLieu.get(plage.lieuId);
    if (openings) openings.push({ start: plage.start, end: plage.end });
    else byLieu.set(plage.lieuId, [{ start: plage.start, end: plage.end }]);
  }
  if (openingsByAgent.size === 0) return [];

  const busyByAgent = new Map<string, Interval[]>();
  for (const busy of input.busy) {
    const end = busy.end + (busy.bufferAfterMin ?? 0) * MINUTE_MS;
    if (end <= busy.start || end <= openingsStart || busy.start >= openingsEnd || !openingsByAgent.has(busy.agentId)) continue;
    const agentBusy = busyByAgent.get(busy.agentId);
    if (agentBusy) agentBusy.push({ start: busy.start, end });
    else busyByAgent.set(busy.agentId, [{ start: busy.start, end }]);
  }

  for (const agentId of [...openingsByAgent.keys()].sort(byIdOrder)) {
    const busy = coalesce([...(busyByAgent.get(agentId) ?? []), ...input.closures]);
    const byLieu = openingsByAgent.get(agentId)!;
    for (const lieuId of [...byLieu.keys()].sort(byIdOrder)) {
      const openings = byLieu.get(lieuId)!.sort((a, b) => a.start - b.start || a.end - b.end);
      sweepFree(openings, busy, (freeStart, freeEnd) => {
        const lastStart = Math.min(freeEnd - rules.roomMs, bounds.end - 1);
        let start = firstOnGrid(firstOnGrid(freeStart, NOW_ROUNDING_MS, now), rules.stepMs, bounds.start);
        for (; start <= lastStart; start += rules.stepMs) collector.offer(start, start + rules.durationMs, agentId, lieuId);
      });
    }
  }
  return collector.slots();
}

export interface NextAvailabilityQuery {
  motif: MotifRules;
  audience: Audience;
  now: EpochMs;
  /** How far to look; 6 months by default, and never past a public motif's maximum delay. */
  horizonMs?: number;
}

/**
 * The first créneau from now on, or null if none within the horizon. Searches
 * windows of 1, 2, 4, 8... weeks, loading each with `loadSnapshot`, and stops at
 * the first window that has one: near availability costs one small load.
 */
export async function nextAvailability(
  query: NextAvailabilityQuery,
  loadSnapshot: (window: Interval) => AgendaSnapshot | Promise<AgendaSnapshot>,
): Promise<Creneau | null> {
  const { motif, audience, now } = query;
  const horizon = { start: now, end: now + (query.horizonMs ?? NEXT_AVAILABILITY_HORIZON_MS) };
  const searchable = startBounds({ motif, audience, now, window: horizon });
  let windowSpan = FIRST_SEARCH_WINDOW_MS;
  for (let start = searchable.start; start < searchable.end; windowSpan *= 2) {
    const window = { start, end: Math.min(start + windowSpan, searchable.end) };
    const [first] = computeCreneaux({ motif, audience, now, window, ...(await loadSnapshot(window)) });
    if (first) return first;
    start = window.end;
  }
  return null;
}
