/**
 * What a booking re-checks at write time, through the agenda loader and the
 * slot engine (never a second slot computation):
 * - an online or prescripteur booking, and an usager's move, must start on a
 *   créneau the public would be offered now (plage, grid, delays, closures,
 *   absences, other rdvs);
 * - an agent may book anything, but what the engine would refuse (outside a
 *   plage, a closure, an absence, another rdv) is a warning that needs `force`.
 * Whatever passes here, PostgreSQL's exclusion constraint still has the last
 * word on the agents' time (booking/rdvs.ts, takingTime).
 */
import { definitionOf } from '../agenda/definitions';
import { Interval } from '../agenda/time';
import { tx } from '../db/database';
import { Motif } from '../motifs/motif.entity';
import type { Platform } from '../platform';
import { CollectifSession, computeCreneaux, Creneau } from '../scheduling/engine';
import { loadSearchSettings, motifRules } from '../scheduling/search';
import { LOAD_QUERIES, loadParameters, loadSnapshot, loadWindow, occurrenceCache, SearchScope } from '../scheduling/snapshot';
import { agentsWithOverlappingRdvs, seatsTaken } from './rdvs';

export type BookingWarningCode = 'outside_plage' | 'closure' | 'absence' | 'overlapping_rdv';

export interface BookingWarning {
  code: BookingWarningCode;
  agent_id: string;
  /** The rdv overlapped, for `overlapping_rdv`. */
  rdv_id?: string;
  message: string;
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

export interface WarningQuery {
  organisationId: string;
  motif: Motif;
  lieuId: string | null;
  agentIds: string[];
  start: Date;
  end: Date;
  /** The rdv being changed: its own time is no obstacle. */
  excludeRdvId: string | null;
  platform: Platform;
  timeZone: string;
}

/**
 * Why an agent's booking over [start, end) is not a créneau, per agent: outside
 * every plage of the agent open to the motif (at the lieu, the organisation's
 * closures cut out), on a public holiday, over an absence, over another active
 * rdv (the agent is then booked as overbooked). Collectif motifs have no plages:
 * a session needs none.
 */
export async function agentBookingWarnings(query: WarningQuery): Promise<BookingWarning[]> {
  const { motif, agentIds, timeZone } = query;
  const interval = { start: query.start.getTime(), end: query.end.getTime() };
  const scope: SearchScope = {
    organisationIds: [query.organisationId],
    motifIds: [motif.id],
    lieuId: query.lieuId,
    agentIds,
    searcher: null,
  };
  const snapshot = await loadSnapshot(scope, interval, await loadSearchSettings(query.platform.schemas));
  const load = loadWindow(interval);
  const absenceRows = await tx().query(LOAD_QUERIES.absences, loadParameters.absences(agentIds, load));
  const overlappingRdvs = await agentsWithOverlappingRdvs(agentIds, query.start, query.end, query.excludeRdvId);

  const warnings: BookingWarning[] = [];
  for (const agentId of agentIds) {
    const inPlage = snapshot.plages.some((plage) =>
      plage.agentId === agentId && plage.motifIds.includes(motif.id) && plage.start <= interval.start && interval.end <= plage.end);
    if (!motif.collectif && !inPlage) {
      warnings.push({ code: 'outside_plage', agent_id: agentId, message: "is outside the agent's plages d'ouverture for this motif and lieu (or the lieu is closed then)" });
    }
    if (snapshot.closures.some((closure) => overlaps(closure, interval))) {
      warnings.push({ code: 'closure', agent_id: agentId, message: 'falls on a public holiday' });
    }
    const absent = absenceRows.some((row: Parameters<typeof definitionOf>[0] & { agent_id: string }) =>
      row.agent_id === agentId && occurrenceCache.occurrences(definitionOf(row), timeZone, load.interval).some((absence) => overlaps(absence, interval)));
    if (absent) warnings.push({ code: 'absence', agent_id: agentId, message: 'overlaps an absence of the agent' });
    for (const rdv of overlappingRdvs.filter((row) => row.agent_id === agentId)) {
      warnings.push({ code: 'overlapping_rdv', agent_id: agentId, rdv_id: rdv.rdv_id, message: 'overlaps another rdv of the agent' });
    }
  }
  return warnings;
}

export interface PublicSlotQuery {
  organisationId: string;
  motif: Motif;
  lieuId: string;
  startsAt: Date;
  platform: Platform;
}

export type PublicSlot =
  | { creneau: Creneau; sessionId: string | null }
  | { refusal: 'taken' | 'not_a_creneau' };

/**
 * A collectif motif's sessions starting at `start` at the lieu, with their seats
 * left (usagers who count, and unexpired holds on a seat).
 */
async function sessionsAt(query: PublicSlotQuery, now: Date): Promise<(CollectifSession & { id: string })[]> {
  const rows: { id: string; agent_id: string; start: number; end: number; max: number | null }[] = await tx().query(
    `SELECT r.id, min(ra.agent_id::text) AS agent_id, r.max_participants_count AS max,
            extract(epoch FROM r.starts_at)::float8 * 1000 AS start, extract(epoch FROM r.ends_at)::float8 * 1000 AS end
       FROM rdvs r JOIN rdv_agents ra ON ra.rdv_id = r.id
      WHERE r.motif_id = $1 AND r.lieu_id = $2 AND r.starts_at = $3 AND r.collectif AND r.status = 'unknown'
      GROUP BY r.id ORDER BY r.id`,
    [query.motif.id, query.lieuId, query.startsAt],
  );
  const sessions = [];
  for (const row of rows) {
    const remainingSeats = row.max === null ? Infinity : row.max - (await seatsTaken(row.id, now));
    sessions.push({ id: row.id, agentId: row.agent_id, lieuId: query.lieuId, motifId: query.motif.id, start: Number(row.start), end: Number(row.end), remainingSeats });
  }
  return sessions;
}

/**
 * The créneau the public is offered at exactly `startsAt` for the motif at the
 * lieu, computed now in this transaction (so an usager's move sees its own rdv's
 * time freed), or why there is none: `taken` when the grid has a slot there but
 * the agents are busy (or the session is full), `not_a_creneau` when no plage,
 * grid, booking delay or session gives one. For a collectif motif the créneau is
 * a session, named by `sessionId`.
 */
export async function publicCreneauAt(query: PublicSlotQuery): Promise<PublicSlot> {
  const start = query.startsAt.getTime();
  const window = { start, end: start + 1 };
  const now = query.platform.clock.now();
  const search = { motif: motifRules(query.motif), audience: 'public' as const, now: now.getTime(), window };
  const atStart = (creneaux: Creneau[]) => creneaux.find((creneau) => creneau.startsAt === start && creneau.lieuId === query.lieuId);

  if (query.motif.collectif) {
    const sessions = await sessionsAt(query, now);
    const creneau = atStart(computeCreneaux({ ...search, plages: [], busy: [], closures: [], collectifSessions: sessions }));
    if (creneau) return { creneau, sessionId: sessions.find((session) => session.agentId === creneau.agentId && session.remainingSeats > 0)!.id };
    const full = sessions.map((session) => ({ ...session, remainingSeats: 1 }));
    return { refusal: atStart(computeCreneaux({ ...search, plages: [], busy: [], closures: [], collectifSessions: full })) ? 'taken' : 'not_a_creneau' };
  }

  const scope: SearchScope = { organisationIds: [query.organisationId], motifIds: [query.motif.id], lieuId: query.lieuId, searcher: null };
  const snapshot = await loadSnapshot(scope, window, await loadSearchSettings(query.platform.schemas));
  const creneau = atStart(computeCreneaux({ ...search, ...snapshot }));
  if (creneau) return { creneau, sessionId: null };
  return { refusal: atStart(computeCreneaux({ ...search, ...snapshot, busy: [] })) ? 'taken' : 'not_a_creneau' };
}
