/**
 * "Trouver un RDV": the searches agents and the public run, from query
 * parameters to créneaux in the API's shape. Checks what the searcher names
 * (motif, lieu, agents, days), loads one snapshot and hands it to the engine.
 */
import { DateTime } from 'luxon';
import { AgentActor, seesWholeOrganisation } from '../agents/actor';
import { HolidayZone, Weekday } from '../agenda/holidays';
import { isoInZone } from '../agenda/iso';
import { EpochMs, Interval, localDaysWindow } from '../agenda/time';
import { tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { isUuid } from '../http/ids';
import type { SchemaRegistry } from '../http/schemas';
import { chosenOption, MotifOption, timedByOption } from '../motifs/motif.entity';
import { AgendaSnapshot, AgentBusy, Audience, Creneau, MotifRules, PlageOccurrence, computeCreneaux, nextAvailability } from './engine';
import { SearchScope, SearchSettings, loadSnapshot } from './snapshot';

/** The longest range a search may cover. */
export const MAX_SEARCH_MONTHS = 6;
const MAX_LISTED_IDS = 50;

export interface SearchMotif {
  id: string;
  organisation_id: string;
  service_id: string;
  bookable_by: 'agents' | 'agents_and_prescripteurs' | 'everyone';
  default_duration_in_min: number;
  slot_step_in_min: number | null;
  buffer_after_in_min: number;
  min_public_booking_delay: number;
  max_public_booking_delay: number;
  booking_delays_for_agents: boolean;
  collectif: boolean;
  options: MotifOption[];
}

const MOTIF_COLUMNS = `id, organisation_id, service_id, bookable_by, default_duration_in_min, slot_step_in_min,
  buffer_after_in_min, min_public_booking_delay, max_public_booking_delay, booking_delays_for_agents, collectif, options`;

export function creneauJson(slot: Creneau, timeZone: string) {
  return {
    starts_at: isoInZone(slot.startsAt, timeZone),
    ends_at: isoInZone(slot.endsAt, timeZone),
    agent_id: slot.agentId,
    lieu_id: slot.lieuId,
    motif_id: slot.motifId,
  };
}

/** isoInZone, each instant written once: créneaux share their start and end times. */
export function isoWriter(timeZone: string): (instant: EpochMs) => string {
  const written = new Map<EpochMs, string>();
  return (instant) => {
    let text = written.get(instant);
    if (text === undefined) {
      text = isoInZone(instant, timeZone);
      written.set(instant, text);
    }
    return text;
  };
}

/**
 * `{"data": [créneaux]}` (and `"meta"` when given) as JSON text, written directly: a territory-wide week is
 * thousands of créneaux, and an object per créneau for JSON.stringify doubles the
 * work and the garbage. Ids are uuids and instants ISO 8601: nothing to escape.
 * Agents share start and end times, so each instant is written once.
 */
export function creneauxBody(slots: Creneau[], timeZone: string, meta?: object): string {
  const iso = isoWriter(timeZone);
  let body = '{"data":[';
  slots.forEach((slot, index) => {
    body += `${index === 0 ? '' : ','}{"starts_at":"${iso(slot.startsAt)}","ends_at":"${iso(slot.endsAt)}",`
      + `"agent_id":"${slot.agentId}","lieu_id":"${slot.lieuId}","motif_id":"${slot.motifId}"}`;
  });
  return meta === undefined ? `${body}]}` : `${body}],"meta":${JSON.stringify(meta)}}`;
}

function notFoundAt(path: string, what: string): AppError {
  return new AppError('not_found', `${what} not found`, [{ path, message: `names no ${what.toLowerCase()} you can book` }]);
}

export function motifRules(motif: SearchMotif): MotifRules {
  return {
    id: motif.id,
    durationMin: motif.default_duration_in_min,
    stepMin: motif.slot_step_in_min,
    bufferAfterMin: motif.buffer_after_in_min,
    minPublicDelaySec: motif.min_public_booking_delay,
    maxPublicDelaySec: motif.max_public_booking_delay,
    delaysForAgents: motif.booking_delays_for_agents,
    collectif: motif.collectif,
  };
}

/**
 * The territory's zone, public holidays and closed days of the week (the `holidays`
 * configuration document in force, else its schema's default), in one round trip:
 * every search starts here.
 */
export async function loadSearchSettings(schemas: SchemaRegistry): Promise<SearchSettings> {
  const [territory] = await tx().query(
    `SELECT t.timezone,
            (SELECT c.document FROM territory_configs c WHERE c.territory_id = t.id AND c.key = 'holidays'
              ORDER BY c.version DESC LIMIT 1) AS holidays
       FROM territories t WHERE t.id = current_territory_id()`,
  );
  if (!territory) throw new Error('The current territory is not visible');
  const holidays = (territory.holidays ?? schemas.get('config/holidays.json').default) as
    { zone: HolidayZone; reopened?: string[]; closed_weekdays?: Weekday[] };
  return {
    timeZone: territory.timezone,
    holidays: { zone: holidays.zone, reopened: holidays.reopened ?? [], closedWeekdays: holidays.closed_weekdays ?? [] },
  };
}

/** `a,b,c` → ids, each a uuid, at most MAX_LISTED_IDS; refused at `name.N` otherwise. */
export function readIdList(raw: string | undefined, name: string): string[] | null {
  if (raw === undefined || raw === '') return null;
  const ids = raw.split(',');
  if (ids.length > MAX_LISTED_IDS) throw AppError.invalidField(name, `lists at most ${MAX_LISTED_IDS} ids`);
  ids.forEach((id, index) => {
    if (!isUuid(id)) throw notFoundAt(`${name}.${index}`, name === 'agent_ids' ? 'Agent' : 'Motif');
  });
  return ids;
}

/** Whole local days `from`..`to` (both required), at most MAX_SEARCH_MONTHS apart. */
export function searchWindow(from: string | undefined, to: string | undefined, timeZone: string): Interval {
  const missing: FieldError[] = [];
  if (!from) missing.push({ path: 'from', message: 'is required' });
  if (!to) missing.push({ path: 'to', message: 'is required' });
  if (missing.length > 0) throw AppError.invalid('A search needs from and to', missing);
  const window = localDaysWindow(from!, to!, timeZone);
  const latest = DateTime.fromISO(from!, { zone: 'utc' }).plus({ months: MAX_SEARCH_MONTHS }).toISODate()!;
  if (to! > latest) throw AppError.invalidField('to', `must be at most ${MAX_SEARCH_MONTHS} months after from (${latest})`);
  return window;
}

/**
 * Motifs of the organisations the agent belongs to that they may search, in one
 * query: 404 at `pathOf(index)` for the first one that is not (unknown, deleted,
 * another territory's, another organisation's when `organisationId` is given, or
 * of a service a basic agent does not work in).
 */
export async function agentMotifs(
  actor: AgentActor,
  motifIds: string[],
  pathOf: (index: number) => string,
  organisationId?: string,
): Promise<SearchMotif[]> {
  const found: SearchMotif[] = await tx().query(
    `SELECT ${MOTIF_COLUMNS} FROM motifs WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
    [motifIds.filter((id) => isUuid(id))],
  );
  return motifIds.map((motifId, index) => {
    const motif = found.find((candidate) => candidate.id === motifId);
    const visible = motif
      && (organisationId === undefined || motif.organisation_id === organisationId)
      && (actor.territorialAdmin || actor.roles.has(motif.organisation_id))
      && (seesWholeOrganisation(actor, motif.organisation_id) || actor.services.has(motif.service_id));
    if (!visible) throw notFoundAt(pathOf(index), 'Motif');
    return motif;
  });
}

/** The motif of `motif_id` in the organisation, if the agent may search it (404 otherwise). */
export async function agentMotif(actor: AgentActor, motifId: string | undefined, organisationId: string): Promise<SearchMotif> {
  if (!motifId) throw AppError.invalidField('motif_id', 'is required');
  const [motif] = await agentMotifs(actor, [motifId], () => 'motif_id', organisationId);
  return motif;
}

/** A motif of the organisation open to online booking by this audience (`bookable_by` values). */
export async function publicMotif(organisationId: string, motifId: string | undefined, audiences: string[]): Promise<SearchMotif> {
  if (!motifId) throw AppError.invalidField('motif_id', 'is required');
  const [motif]: SearchMotif[] = isUuid(motifId)
    ? await tx().query(
      `SELECT ${MOTIF_COLUMNS} FROM motifs WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL AND bookable_by = ANY($3::text[])`,
      [motifId, organisationId, audiences],
    )
    : [];
  if (!motif) throw notFoundAt('motif_id', 'Motif');
  return motif;
}

/** `?motif_option=`: the motif as the option chosen times it (its own duration, if any); the motif itself when none is named. */
export function withOption(motif: SearchMotif, label: string | undefined): SearchMotif {
  return label === undefined || label === '' ? motif : timedByOption(motif, chosenOption(motif, label));
}

/** The lieu of `lieu_id`, when given, in the organisation (and open to the public for public searches). */
export async function checkLieu(organisationId: string, lieuId: string | undefined, publicOnly: boolean): Promise<string | null> {
  if (lieuId === undefined || lieuId === '') return null;
  const [lieu] = isUuid(lieuId)
    ? await tx().query(
      `SELECT id FROM lieux WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL AND (NOT $3 OR availability <> 'disabled')`,
      [lieuId, organisationId, publicOnly],
    )
    : [];
  if (!lieu) throw notFoundAt('lieu_id', 'Lieu');
  return lieuId;
}

/** An agent's search scope over organisations: their own plages, same-service colleagues', everyone's where they see all. */
export function agentScope(actor: AgentActor, organisationIds: string[], motifIds: string[]): SearchScope {
  return {
    organisationIds,
    motifIds,
    searcher: {
      agentId: actor.agentId,
      services: [...actor.services],
      wholeOrganisationIds: organisationIds.filter((organisationId) => seesWholeOrganisation(actor, organisationId)),
    },
  };
}

/** `agent_ids`, each an agent of the organisation whose agenda the searcher may book. */
export async function checkAgents(actor: AgentActor, organisationId: string, agentIds: string[] | null): Promise<string[] | null> {
  if (!agentIds) return null;
  const members: { agent_id: string; services: string[] }[] = await tx().query(
    `SELECT r.agent_id, coalesce(array(SELECT s.service_slug FROM agent_services s WHERE s.agent_id = r.agent_id), '{}') AS services
       FROM agent_roles r WHERE r.organisation_id = $1 AND r.agent_id = ANY($2::uuid[])`,
    [organisationId, agentIds],
  );
  const whole = seesWholeOrganisation(actor, organisationId);
  agentIds.forEach((agentId, index) => {
    const member = members.find((candidate) => candidate.agent_id === agentId);
    const bookable = member && (whole || agentId === actor.agentId || member.services.some((service) => actor.services.has(service)));
    if (!bookable) throw notFoundAt(`agent_ids.${index}`, 'Agent');
  });
  return agentIds;
}

export interface Search {
  motifs: SearchMotif[];
  scope: SearchScope;
  audience: Audience;
  now: EpochMs;
  settings: SearchSettings;
}

/** The search's scope, with its collectif motifs, whose créneaux are sessions with seats left now. */
function scopeOf(search: Search): SearchScope {
  const collectif = search.motifs.filter((motif) => motif.collectif).map((motif) => motif.id);
  return collectif.length === 0 ? search.scope : { ...search.scope, collectif: { motifIds: collectif, now: search.now } };
}

/**
 * The créneaux of each motif (in the order asked) starting in `window`, each
 * list sorted by start (then agent and lieu). Each motif belongs to one
 * organisation: the engine gets only the plages holding it and the busy time of
 * their agents, not the whole territory's snapshot.
 */
export async function searchCreneaux(search: Search, window: Interval): Promise<Creneau[][]> {
  const snapshot = await loadSnapshot(scopeOf(search), window, search.settings);
  const slotsOf = (motif: SearchMotif, part: AgendaSnapshot) =>
    computeCreneaux({ motif: motifRules(motif), audience: search.audience, now: search.now, window, ...part });
  if (search.motifs.length === 1) return [slotsOf(search.motifs[0], snapshot)];

  const plagesOf = new Map<string, PlageOccurrence[]>(search.motifs.map((motif) => [motif.id, []]));
  for (const plage of snapshot.plages) {
    for (const motifId of plage.motifIds) plagesOf.get(motifId)?.push(plage);
  }
  const busyOf = new Map<string, AgentBusy[]>();
  for (const busy of snapshot.busy) {
    const list = busyOf.get(busy.agentId);
    if (list) list.push(busy);
    else busyOf.set(busy.agentId, [busy]);
  }
  return search.motifs.map((motif) => {
    const plages = plagesOf.get(motif.id)!;
    const busy: AgentBusy[] = [];
    for (const agentId of new Set(plages.map((plage) => plage.agentId))) busy.push(...(busyOf.get(agentId) ?? []));
    return slotsOf(motif, { plages, busy, closures: snapshot.closures, collectifSessions: snapshot.collectifSessions });
  });
}

/** The most créneaux per lieu a territory-wide search lists, and how many by default. */
const PER_LIEU = { default: 10, max: 200 };

/**
 * Where and when, across organisations: one créneau per start time and lieu (the
 * first of each, naming its agent), and of those only each lieu's first `perLieu`,
 * with how many each lieu has, sorted by start (equal starts in the order of the
 * motifs asked, then of each motif's agents and lieux). A searcher compares lieux
 * by their next créneaux, then opens one lieu's search to see them all.
 * `slotsByMotif` is searchCreneaux's answer: each list sorted by start. A lieu
 * belongs to one organisation, so usually to one motif's list: only lieux that
 * several motifs share need their créneaux put in order, not the whole week.
 */
export function firstPerLieu(slotsByMotif: Creneau[][], perLieu: number): { kept: Creneau[]; countByLieu: Map<string, number> } {
  // Each créneau's place in the answer: its motif's rank, then its rank in that motif's list.
  const rankOf = (motif: number, index: number) => motif * 1e7 + index;
  const byLieu = new Map<string, { slots: Creneau[]; ranks: number[]; motifs: number }>();
  slotsByMotif.forEach((slots, motif) => {
    slots.forEach((slot, index) => {
      let lieu = byLieu.get(slot.lieuId);
      if (!lieu) {
        lieu = { slots: [], ranks: [], motifs: motif };
        byLieu.set(slot.lieuId, lieu);
      } else if (lieu.motifs !== motif) {
        lieu.motifs = -1;
      }
      lieu.slots.push(slot);
      lieu.ranks.push(rankOf(motif, index));
    });
  });
  const kept: { slot: Creneau; rank: number }[] = [];
  const countByLieu = new Map<string, number>();
  for (const [lieuId, { slots, ranks, motifs }] of byLieu) {
    // One motif's créneaux are in order already.
    const order = slots.map((_, position) => position);
    if (motifs === -1) order.sort((a, b) => slots[a].startsAt - slots[b].startsAt || ranks[a] - ranks[b]);
    let count = 0;
    let lastStart = NaN;
    for (const position of order) {
      if (slots[position].startsAt === lastStart) continue;
      lastStart = slots[position].startsAt;
      if (++count <= perLieu) kept.push({ slot: slots[position], rank: ranks[position] });
    }
    countByLieu.set(lieuId, count);
  }
  kept.sort((a, b) => a.slot.startsAt - b.slot.startsAt || a.rank - b.rank);
  return { kept: kept.map((entry) => entry.slot), countByLieu };
}

/** `?per_lieu=`: how many créneaux of each lieu to list (PER_LIEU.default, at most PER_LIEU.max). */
export function readPerLieu(raw: string | undefined): number {
  if (raw === undefined || raw === '') return PER_LIEU.default;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > PER_LIEU.max) {
    throw new AppError('malformed', `per_lieu must be an integer from 1 to ${PER_LIEU.max}`, [{ path: 'per_lieu', message: `must be an integer from 1 to ${PER_LIEU.max}` }]);
  }
  return Number(raw);
}

/** The first créneau of the (single) motif from now on, within the engine's horizon (6 months). */
export async function findNextAvailability(search: Search) {
  const [motif] = search.motifs;
  const first = await nextAvailability(
    { motif: motifRules(motif), audience: search.audience, now: search.now },
    (window) => loadSnapshot(scopeOf(search), window, search.settings),
  );
  return first
    ? creneauJson(first, search.settings.timeZone)
    : { starts_at: null, ends_at: null, agent_id: null, lieu_id: null, motif_id: motif.id };
}
