/**
 * Loads what the slot engine reads for a window: one query per kind (plages,
 * absences, rdvs, closures) for all the agents concerned, whatever their number.
 *
 * Plages, absences and closures change seldom and are most of what a search
 * reads: each organisation's are kept in the process under the organisation's
 * agenda version (bumped by triggers in every transaction that changes them, or
 * lieux, roles or services, see the AgendaVersions migration), so a search reads
 * the versions and only the agendas of organisations that changed since. Rdvs,
 * which change all day, are read every time.
 *
 * Rows are read over [window start − 1 day, window end + 1 day), as the engine
 * asks, and expanded through the occurrence cache. Closures are of two reaches:
 * public holidays close every agenda of the territory (the engine's global
 * `closures`); an organisation's exceptional closures close the plages of its
 * lieux (or of one lieu), so they are cut out of those plages' occurrences here.
 * Absences and rdvs are the agent's in every organisation of the territory.
 */
import { definitionOf } from '../agenda/definitions';
import type { AgendaDefinition } from '../agenda/recurrence';
import { HolidayZone, Weekday, closedWeekdayClosures, holidayClosures } from '../agenda/holidays';
import { DAY_MS, EpochMs, formatDay, Interval, parseDay, utcDayOf, wallToUtc } from '../agenda/time';
import { currentTerritoryId, tx } from '../db/database';
import type { AgendaSnapshot, AgentBusy, CollectifSession, PlageOccurrence } from './engine';
import { OccurrenceCache } from './occurrence-cache';

/** Whose plages a search reads. */
export interface SearchScope {
  organisationIds: readonly string[];
  /** Plages holding any of these motifs. */
  motifIds: readonly string[];
  lieuId?: string | null;
  agentIds?: readonly string[] | null;
  /**
   * An agent's search sees their own plages, those of colleagues sharing one of
   * their services, and everyone's in `wholeOrganisationIds` (admins, Secrétariat).
   * Null for the public, who sees every agent's plages at lieux open to the public.
   */
  searcher: { agentId: string; services: readonly string[]; wholeOrganisationIds: readonly string[] } | null;
  /** Collectif motifs among those searched: their créneaux are sessions with seats left at `now`. */
  collectif?: { motifIds: readonly string[]; now: EpochMs } | null;
}

/** The territory's settings a search needs. */
export interface SearchSettings {
  timeZone: string;
  holidays: { zone: HolidayZone; reopened: readonly string[]; closedWeekdays: readonly Weekday[] };
}

/** Expansions are shared by every search of the process. */
export const occurrenceCache = new OccurrenceCache();

interface PlageRow {
  organisation_id: string;
  agent_id: string;
  lieu_id: string;
  /** Comma-separated: cheaper to read than a uuid[] when a territory-wide search reads a thousand plages. */
  motif_ids: string;
  first_day: string;
  last_day: string;
  start_time: string;
  end_time: string;
  recurrence: string | null;
  until: string | null;
  exdates: string[];
  /** The lieu is open to the public (not `disabled`). */
  lieu_public: boolean;
  /** The day of a lieu used once: its plages give créneaux that day only. */
  single_use_day: string | null;
  /** The services of the plage's agent: a basic agent searches the plages of colleagues sharing one. */
  agent_services: string[];
}

/** A plage as searches keep it: the row, with its motifs and definition read once. */
export interface KeptPlage {
  organisationId: string;
  agentId: string;
  lieuId: string;
  motifIds: readonly string[];
  firstDay: string;
  lastDay: string;
  definition: AgendaDefinition;
  lieuPublic: boolean;
  /** A lieu used once: only this day's occurrences count. */
  singleUseDay: string | null;
  agentServices: readonly string[];
}

interface AbsenceRow extends Pick<PlageRow, 'agent_id' | 'first_day' | 'last_day' | 'start_time' | 'end_time' | 'recurrence' | 'until' | 'exdates'> {
  id: string;
  /** The organisation whose agenda keeps it: an agent's absences are kept with each organisation they work in. */
  organisation_id: string;
  end_day: string | null;
}

/** An absence as searches keep it. */
export interface KeptAbsence {
  id: string;
  agentId: string;
  firstDay: string;
  lastDay: string;
  definition: AgendaDefinition;
}

interface ClosureRow {
  organisation_id: string;
  lieu_id: string | null;
  first_day: string;
  end_day: string;
}

/** The loading queries (the absences of agents over some days serve booking too; the benchmark times them). */
export const LOAD_QUERIES = {
  versions: `SELECT organisation_id, version::text AS version FROM agenda_versions WHERE organisation_id = ANY($1::uuid[])`,
  // Every plage of the organisations, whatever the window: kept until the organisation's version changes.
  // Those of lieux deleted or of agents who no longer work there are not searched.
  plages: `
    SELECT p.organisation_id, p.agent_id, p.lieu_id, array_to_string(p.motif_ids, ',') AS motif_ids,
           p.first_day::text AS first_day, p.last_day::text AS last_day, p.start_time, p.end_time, p.recurrence,
           p.until::text AS until, p.exdates::text[] AS exdates, l.availability <> 'disabled' AS lieu_public,
           CASE WHEN l.availability = 'single_use' THEN l.single_use_day::text END AS single_use_day,
           array(SELECT s.service_slug FROM agent_services s WHERE s.agent_id = p.agent_id) AS agent_services
      FROM plages_ouverture p JOIN lieux l ON l.id = p.lieu_id AND l.deleted_at IS NULL
     WHERE p.organisation_id = ANY($1::uuid[])
       AND EXISTS (SELECT 1 FROM agent_roles r WHERE r.agent_id = p.agent_id AND r.organisation_id = p.organisation_id)`,
  // Every absence of the agents who work in the organisations, and every closure of these: kept with the plages.
  keptAbsences: `
    SELECT r.organisation_id, a.id, a.agent_id, a.first_day::text AS first_day, a.last_day::text AS last_day, a.end_day::text AS end_day,
           a.start_time, a.end_time, a.recurrence, a.until::text AS until, a.exdates::text[] AS exdates
      FROM absences a JOIN agent_roles r ON r.agent_id = a.agent_id
     WHERE r.organisation_id = ANY($1::uuid[])`,
  keptClosures: `
    SELECT organisation_id, lieu_id, first_day::text AS first_day, end_day::text AS end_day FROM closures WHERE organisation_id = ANY($1::uuid[])`,
  absences: `
    SELECT agent_id, first_day::text AS first_day, end_day::text AS end_day, start_time, end_time,
           recurrence, until::text AS until, exdates::text[] AS exdates
      FROM absences
     WHERE agent_id = ANY($1::uuid[]) AND first_day <= $3::date AND last_day >= $2::date`,
  // rdv_agents_busy_starts (btree on agent and start, carrying the end, active rows) answers this from the index
  // alone: an rdv lasts at most 12 hours (a constraint on rdvs), so one overlapping the window started less than
  // 12 hours before it. Timestamp comparisons are leakproof, so under row-level security they stay index
  // conditions. An rdv keeps its agents busy for its motif's buffer after it: the few rdvs of motifs with a buffer
  // are read by motif and start (rdvs_motif_starts, covering) and hashed, rather than looking up every rdv's motif.
  rdvs: `
    SELECT ra.agent_id, extract(epoch FROM ra.starts_at)::float8 * 1000 AS start_ms, extract(epoch FROM ra.ends_at)::float8 * 1000 AS end_ms,
           coalesce(buffered.buffer_after_in_min, 0) AS buffer_after_in_min
      FROM rdv_agents ra
      LEFT JOIN (SELECT r.id, m.buffer_after_in_min FROM rdvs r JOIN motifs m ON m.id = r.motif_id
                  WHERE r.motif_id = ANY(ARRAY(SELECT id FROM motifs WHERE buffer_after_in_min > 0))
                    AND r.starts_at >= $2::timestamptz - interval '1 day' AND r.starts_at < $3) buffered
             ON buffered.id = ra.rdv_id
     WHERE ra.active AND ra.agent_id = ANY($1::uuid[]) AND ra.ends_at > $2 AND ra.starts_at < $3 AND ra.starts_at > $2::timestamptz - interval '12 hours'`,
  // Collectif sessions (held at a lieu) of the agents the searcher may book, with the seats they hold as
  // booking counts them (booking/rdvs.ts, seatsTaken): usagers who count, and unexpired holds on a seat.
  sessions: `
    SELECT r.motif_id, r.lieu_id, a.agent_id, r.max_participants_count,
           extract(epoch FROM r.starts_at)::float8 * 1000 AS start_ms, extract(epoch FROM r.ends_at)::float8 * 1000 AS end_ms,
           (SELECT count(*) FROM participations p WHERE p.rdv_id = r.id AND p.status NOT IN ('excused', 'revoked'))::int
             + (SELECT count(*) FROM rdv_holds h WHERE h.rdv_id = r.id AND h.seat AND h.confirmed_at IS NULL AND h.expires_at > $5)::int
             AS seats_taken
      FROM rdvs r
      CROSS JOIN LATERAL (SELECT min(ra.agent_id::text) AS agent_id FROM rdv_agents ra WHERE ra.rdv_id = r.id) a
     WHERE r.motif_id = ANY($1::uuid[]) AND r.organisation_id = ANY($4::uuid[]) AND r.collectif AND r.status = 'unknown'
       AND r.lieu_id IS NOT NULL AND r.starts_at >= $2 AND r.starts_at < $3
       AND ($6::uuid IS NULL OR r.lieu_id = $6)
       AND EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.rdv_id = r.id
                    AND ($7::uuid[] IS NULL OR ra.agent_id = ANY($7))
                    AND ($8::uuid IS NULL OR r.organisation_id = ANY($9::uuid[]) OR ra.agent_id = $8
                         OR EXISTS (SELECT 1 FROM agent_services s WHERE s.agent_id = ra.agent_id AND s.service_slug = ANY($10::text[]))))`,
};

/** The rows around a window: what the engine needs to decide every slot starting in it. */
export function loadWindow(window: Interval) {
  const start = window.start - DAY_MS;
  const end = window.end + DAY_MS;
  // Local dates are within a day of UTC dates (offsets stay within ±14 h).
  return {
    interval: { start, end },
    firstDate: formatDay(utcDayOf(start) - 1),
    lastDate: formatDay(utcDayOf(end - 1) + 1),
  };
}

/** The parameters of each loading query, for a scope and window (plages first; the others need its agents). */
export const loadParameters = {
  absences: (agentIds: string[], load: ReturnType<typeof loadWindow>) => [agentIds, load.firstDate, load.lastDate],
  rdvs: (agentIds: string[], load: ReturnType<typeof loadWindow>) => [agentIds, new Date(load.interval.start), new Date(load.interval.end)],
  sessions(scope: SearchScope, load: ReturnType<typeof loadWindow>): unknown[] {
    const { searcher } = scope;
    return [
      scope.collectif?.motifIds ?? [], new Date(load.interval.start), new Date(load.interval.end), scope.organisationIds,
      new Date(scope.collectif?.now ?? 0), scope.lieuId ?? null, scope.agentIds ?? null,
      searcher?.agentId ?? null, searcher?.wholeOrganisationIds ?? [], searcher?.services ?? [],
    ];
  },
};

/** Whole local days [first_day 00:00, day after end_day 00:00). */
function closureInterval(closure: ClosureRow, timeZone: string): Interval {
  return {
    start: wallToUtc(timeZone, parseDay(closure.first_day)!, 0),
    end: wallToUtc(timeZone, parseDay(closure.end_day)! + 1, 0),
  };
}

/** The local day of a lieu used once, [00:00, next day 00:00): its plages' occurrences starting in it count. */
function singleUseInterval(day: string, timeZone: string): Interval {
  const dayNumber = parseDay(day)!;
  return { start: wallToUtc(timeZone, dayNumber, 0), end: wallToUtc(timeZone, dayNumber + 1, 0) };
}

/** The parts of `occurrence` that no closure (sorted by start) covers. */
function openParts(occurrence: Interval, closures: readonly Interval[]): Interval[] {
  const parts: Interval[] = [];
  let cursor = occurrence.start;
  for (const closure of closures) {
    if (closure.end <= cursor || closure.start >= occurrence.end) continue;
    if (closure.start > cursor) parts.push({ start: cursor, end: closure.start });
    cursor = Math.max(cursor, closure.end);
  }
  if (cursor < occurrence.end) parts.push({ start: cursor, end: occurrence.end });
  return parts;
}

type RdvRow = { agent_id: string; start_ms: number; end_ms: number; buffer_after_in_min: number };

/** What a search reads: the plages in scope, their agents' absences and rdvs, their organisations' closures. */
export interface AgendaRows {
  plages: readonly KeptPlage[];
  absences: readonly KeptAbsence[];
  rdvs: RdvRow[];
  closures: ClosureRow[];
}

/** At most this many organisations' agendas are kept; past it, the process starts over. */
const KEPT_ORGANISATIONS = 10_000;

/** What a search keeps of an organisation: its plages by motif they hold, its agents' absences, its closures. */
interface KeptAgenda {
  version: string;
  plagesByMotif: Map<string, KeptPlage[]>;
  absences: KeptAbsence[];
  closures: ClosureRow[];
}

/**
 * Each organisation's agenda, under the agenda version it was read at. Kept by territory and
 * organisation: what one territory's transaction read is never served to another's, whatever
 * organisation ids it asks for.
 */
class AgendaKeeper {
  private readonly kept = new Map<string, KeptAgenda>();

  /**
   * The plages of the organisations holding any of the motifs, the absences of their
   * agents and their closures, read from PostgreSQL for organisations whose version
   * changed since they were kept. Rows read after the version may be newer than it:
   * they are then kept under a version already past, and read again next time.
   */
  async agendaOf(organisationIds: readonly string[], motifIds: readonly string[]) {
    const territoryId = currentTerritoryId();
    const keyOf = (organisationId: string) => `${territoryId}/${organisationId}`;
    const versions: { organisation_id: string; version: string }[] = await tx().query(LOAD_QUERIES.versions, [organisationIds]);
    const versionOf = new Map(versions.map((row) => [row.organisation_id, row.version]));
    // No version yet: nothing changed since the migration that started counting.
    const current = (organisationId: string) => versionOf.get(organisationId) ?? '0';
    // Past the bound, start over before reading: every organisation asked must be kept after the read.
    if (this.kept.size + organisationIds.length > KEPT_ORGANISATIONS) this.kept.clear();
    const stale = organisationIds.filter((organisationId) => this.kept.get(keyOf(organisationId))?.version !== current(organisationId));
    if (stale.length > 0) await this.read(stale, current, keyOf);

    const plages = new Set<KeptPlage>();
    const absences = new Map<string, KeptAbsence>();
    const closures: ClosureRow[] = [];
    for (const organisationId of organisationIds) {
      const agenda = this.kept.get(keyOf(organisationId))!;
      for (const motifId of motifIds) for (const plage of agenda.plagesByMotif.get(motifId) ?? []) plages.add(plage);
      // An agent working in several organisations has their absences kept with each.
      for (const absence of agenda.absences) absences.set(absence.id, absence);
      closures.push(...agenda.closures);
    }
    return { plages: [...plages], absences: [...absences.values()], closures };
  }

  private async read(organisationIds: string[], versionOf: (organisationId: string) => string, keyOf: (organisationId: string) => string): Promise<void> {
    const plages: PlageRow[] = await tx().query(LOAD_QUERIES.plages, [organisationIds]);
    const absences: AbsenceRow[] = await tx().query(LOAD_QUERIES.keptAbsences, [organisationIds]);
    const closures: ClosureRow[] = await tx().query(LOAD_QUERIES.keptClosures, [organisationIds]);
    for (const organisationId of organisationIds) {
      this.kept.set(keyOf(organisationId), { version: versionOf(organisationId), plagesByMotif: new Map(), absences: [], closures: [] });
    }
    for (const row of plages) {
      const plage = keptPlage(row);
      const { plagesByMotif } = this.kept.get(keyOf(row.organisation_id))!;
      for (const motifId of plage.motifIds) {
        const list = plagesByMotif.get(motifId);
        if (list) list.push(plage);
        else plagesByMotif.set(motifId, [plage]);
      }
    }
    for (const row of absences) {
      this.kept.get(keyOf(row.organisation_id))!.absences.push({
        id: row.id, agentId: row.agent_id, firstDay: row.first_day, lastDay: row.last_day, definition: definitionOf(row),
      });
    }
    for (const row of closures) this.kept.get(keyOf(row.organisation_id))!.closures.push(row);
  }
}

function keptPlage(row: PlageRow): KeptPlage {
  return {
    organisationId: row.organisation_id,
    agentId: row.agent_id,
    lieuId: row.lieu_id,
    motifIds: row.motif_ids.split(','),
    firstDay: row.first_day,
    lastDay: row.last_day,
    definition: definitionOf(row),
    lieuPublic: row.lieu_public,
    singleUseDay: row.single_use_day,
    agentServices: row.agent_services,
  };
}

/** Agendas are kept for every search of the process. */
const agendaKeeper = new AgendaKeeper();

/**
 * Of the plages holding the search's motifs, those it reads: over the loaded days, at
 * a lieu open to the public for the public, and for an agent's search only their own,
 * those of colleagues sharing a service, or everyone's where they see all.
 */
function plagesInScope(plages: readonly KeptPlage[], scope: SearchScope, load: ReturnType<typeof loadWindow>): KeptPlage[] {
  const { searcher } = scope;
  const whole = new Set(searcher?.wholeOrganisationIds ?? []);
  const services = new Set(searcher?.services ?? []);
  return plages.filter((plage) => plage.firstDay <= load.lastDate && plage.lastDay >= load.firstDate
    && (plage.singleUseDay === null || (plage.singleUseDay <= load.lastDate && plage.singleUseDay >= load.firstDate))
    && (searcher !== null || plage.lieuPublic)
    && (!scope.lieuId || plage.lieuId === scope.lieuId)
    && (!scope.agentIds || scope.agentIds.includes(plage.agentId))
    && (searcher === null || whole.has(plage.organisationId) || plage.agentId === searcher.agentId
      || plage.agentServices.some((service) => services.has(service))));
}

/**
 * The agenda snapshot of `scope` for slots starting in `window`: the plages in scope,
 * their agents' absences and rdvs, their organisations' closures (and collectif
 * sessions when collectif motifs are searched), given to buildSnapshot.
 */
export async function loadSnapshot(scope: SearchScope, window: Interval, settings: SearchSettings): Promise<AgendaSnapshot> {
  const load = loadWindow(window);
  const collectifSessions = scope.collectif?.motifIds.length ? await loadSessions(scope, load) : [];
  const agenda = await agendaKeeper.agendaOf(scope.organisationIds, scope.motifIds);
  const plages = plagesInScope(agenda.plages, scope, load);
  if (plages.length === 0) {
    return { ...buildSnapshot({ plages, absences: [], rdvs: [], closures: [] }, settings, load.interval), collectifSessions };
  }
  const agentIds = new Set(plages.map((plage) => plage.agentId));
  const organisationIds = new Set(plages.map((plage) => plage.organisationId));
  const snapshot = buildSnapshot({
    plages,
    absences: agenda.absences.filter((absence) => agentIds.has(absence.agentId) && absence.firstDay <= load.lastDate && absence.lastDay >= load.firstDate),
    rdvs: await tx().query(LOAD_QUERIES.rdvs, loadParameters.rdvs([...agentIds], load)),
    closures: agenda.closures.filter((closure) => organisationIds.has(closure.organisation_id)
      && closure.first_day <= load.lastDate && closure.end_day >= load.firstDate),
  }, settings, load.interval);
  return { ...snapshot, collectifSessions };
}

async function loadSessions(scope: SearchScope, load: ReturnType<typeof loadWindow>): Promise<CollectifSession[]> {
  const rows: { motif_id: string; lieu_id: string; agent_id: string; max_participants_count: number | null; start_ms: number; end_ms: number; seats_taken: number }[] =
    await tx().query(LOAD_QUERIES.sessions, loadParameters.sessions(scope, load));
  return rows.map((row) => ({
    agentId: row.agent_id,
    lieuId: row.lieu_id,
    motifId: row.motif_id,
    start: row.start_ms,
    end: row.end_ms,
    remainingSeats: row.max_participants_count === null ? Infinity : row.max_participants_count - row.seats_taken,
  }));
}

/**
 * The engine's input from the rows read over `loaded` (see loadWindow): plage
 * occurrences with the closures of their organisation and lieu cut out, busy
 * time (rdvs with their buffer, absence occurrences), public holidays and the
 * territory's closed days of the week.
 */
export function buildSnapshot(rows: AgendaRows, settings: SearchSettings, loaded: Interval): AgendaSnapshot {
  const { timeZone } = settings;
  const holidays = holidayClosures(settings.holidays.zone, timeZone, loaded, settings.holidays.reopened);
  const closedDays = closedWeekdayClosures(settings.holidays.closedWeekdays, timeZone, loaded);

  // Closures by the organisation or lieu they close, sorted for the cut.
  const closuresOf = new Map<string, Interval[]>();
  for (const closure of rows.closures) {
    const key = closure.lieu_id ?? closure.organisation_id;
    const list = closuresOf.get(key) ?? [];
    list.push(closureInterval(closure, timeZone));
    closuresOf.set(key, list);
  }
  for (const list of closuresOf.values()) list.sort((a, b) => a.start - b.start);
  const noClosure: Interval[] = [];

  const plages: PlageOccurrence[] = [];
  for (const plage of rows.plages) {
    const organisationClosures = closuresOf.get(plage.organisationId) ?? noClosure;
    const lieuClosures = closuresOf.get(plage.lieuId) ?? noClosure;
    const closed = lieuClosures.length === 0 ? organisationClosures
      : organisationClosures.length === 0 ? lieuClosures
        : [...organisationClosures, ...lieuClosures].sort((a, b) => a.start - b.start);
    const onlyDay = plage.singleUseDay === null ? null : singleUseInterval(plage.singleUseDay, timeZone);
    for (const occurrence of occurrenceCache.occurrences(plage.definition, timeZone, loaded)) {
      if (onlyDay && (occurrence.start < onlyDay.start || occurrence.start >= onlyDay.end)) continue;
      for (const { start, end } of closed.length === 0 ? [occurrence] : openParts(occurrence, closed)) {
        plages.push({ agentId: plage.agentId, lieuId: plage.lieuId, motifIds: plage.motifIds, start, end });
      }
    }
  }

  const busy: AgentBusy[] = rows.rdvs.map((rdv) => ({
    agentId: rdv.agent_id,
    start: rdv.start_ms,
    end: rdv.end_ms,
    bufferAfterMin: rdv.buffer_after_in_min,
  }));
  for (const absence of rows.absences) {
    for (const occurrence of occurrenceCache.occurrences(absence.definition, timeZone, loaded)) {
      busy.push({ agentId: absence.agentId, start: occurrence.start, end: occurrence.end });
    }
  }
  return { plages, busy, closures: closedDays.length === 0 ? holidays : [...holidays, ...closedDays] };
}
