/**
 * What the ANTS hub calls (INTEGRATIONS.md §1.a), under `/api/ants`: the meeting points,
 * their free slots and the appointments we hold for pré-demande numbers. The hub's token
 * is an instance setting; answers follow the hub's contract, not problem+json.
 */
import { DateTime } from 'luxon';
import { PartnerReply, PartnerRequest, PartnerRoute, PluginContext } from '../../platform/src/plugins/sdk';
import { isAntsCategory, AntsConfig } from './config';
import { MeetingPoint, publishedPoints } from './meeting-points';
import { isNumber, NUMBER_FIELD, numberOf } from './numbers';

type Request = PartnerRequest<AntsConfig>;

/** The hub's reasons and the motif categories they search. */
export const REASON_CATEGORIES: Record<string, string> = { CNI: 'cni', PASSPORT: 'passport', 'CNI-PASSPORT': 'cni_passport' };
/** A search spans at most this many days (the hub asks whole months; the créneaux search stops at 6 months). */
export const MAX_SEARCH_DAYS = 186;
/** One appointment per person: a family rarely counts more. */
export const MAX_DOCUMENTS = 10;
/** Participation statuses of someone who left the rdv. */
const LEFT = ['excused', 'revoked'];

export function hubError(message: string): PartnerReply {
  return new PartnerReply(400, { error: { code: 400, message } });
}

/** 401 unless the request carries the instance's hub token (no token set: nobody gets in). */
function refusal(request: Request): PartnerReply | null {
  const expected = request.instance.hubToken;
  const given = request.headers['x-hub-rdv-auth-token'];
  if (expected && request.sameSecret(given, expected)) return null;
  return new PartnerReply(401, { error: given ? 'Invalid X-HUB-RDV-AUTH-TOKEN' : 'Missing X-HUB-RDV-AUTH-TOKEN header' });
}

/** A parameter's values: repeated (`ids=A&ids=B`) or single. */
function values(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function single(query: Request['query'], name: string): string | undefined {
  const given = query[name];
  return Array.isArray(given) ? given[0] : given;
}

function isDay(text: string | undefined): text is string {
  return text !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid;
}

export interface SlotQuery {
  meetingPointIds: string[];
  startDate: string;
  endDate: string;
  category: string;
  documentsNumber: number;
}

/** Reads `availableTimeSlots`' parameters, or the hub's 400 (pure). */
export function parseSlotQuery(query: Request['query']): SlotQuery | PartnerReply {
  const meetingPointIds = [...new Set(values(query.meeting_point_ids).filter((id) => id !== ''))];
  if (!meetingPointIds.length) return hubError('Missing meeting_point_ids param');
  const startDate = single(query, 'start_date');
  const endDate = single(query, 'end_date');
  if (startDate === undefined) return hubError('Missing start_date param');
  if (!isDay(startDate)) return hubError('Invalid start_date param: expected YYYY-MM-DD');
  if (endDate === undefined) return hubError('Missing end_date param');
  if (!isDay(endDate)) return hubError('Invalid end_date param: expected YYYY-MM-DD');
  const reason = single(query, 'reason');
  if (reason === undefined) return hubError('Missing reason param');
  const category = REASON_CATEGORIES[reason];
  if (!category) return hubError('Invalid reason param');
  const documents = single(query, 'documents_number') ?? '1';
  const documentsNumber = /^\d{1,3}$/.test(documents) ? Number(documents) : NaN;
  if (!(documentsNumber >= 1 && documentsNumber <= MAX_DOCUMENTS)) return hubError(`Invalid documents_number param: expected an integer from 1 to ${MAX_DOCUMENTS}`);
  if (startDate > endDate) return hubError('start_date is after end_date');
  const days = DateTime.fromISO(endDate, { zone: 'utc' }).diff(DateTime.fromISO(startDate, { zone: 'utc' }), 'days').days + 1;
  if (days > MAX_SEARCH_DAYS) return hubError(`The period from start_date to end_date is longer than ${MAX_SEARCH_DAYS} days`);
  return { meetingPointIds, startDate, endDate, category, documentsNumber };
}

/** A slot's booking link, as the text around its start time (the URL-encoded start is all that changes). */
export interface LinkTemplate {
  before: string;
  after: string;
}

/** A free slot of a meeting point: its instant (to sort), its time as the hub reads it, its link. */
export interface SlotRow {
  at: number;
  datetime: string;
  link: LinkTemplate;
}

/** Sorted by time, one slot per time (the first motif's wins); rows from one motif come sorted already (pure). */
export function sortedSlots(rows: SlotRow[]): SlotRow[] {
  const sorted = rows.every((row, index) => index === 0 || rows[index - 1].at <= row.at) ? rows : [...rows].sort((a, b) => a.at - b.at);
  return sorted.filter((row, index) => index === 0 || sorted[index - 1].at !== row.at);
}

/** Bytes appended to a buffer that grows by doubling. */
class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 1024));
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    this.length += bytes.copy(this.buffer, this.length);
  }

  /** Text of one-byte characters only (times, URL-encoded times, brackets). */
  ascii(text: string): void {
    this.room(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * `{"<id>": [{"datetime": …, "callback_url": …}]}` as JSON bytes, written directly: 64 meeting
 * points over a month are some 20,000 slots and 5 MB, and an object then a string per slot
 * cost several times the bytes (measured: 37 ms against 8). A link's JSON around its start is
 * encoded once; times are the core's (`2027-01-05T09:00:00+01:00`) and the encoded start is
 * `%`, letters and digits: neither needs escaping (pure).
 */
export function slotsJson(byPoint: Map<string, SlotRow[]>): Buffer {
  const pieces = new Map<LinkTemplate, { middle: Buffer; tail: Buffer }>();
  const piecesOf = (link: LinkTemplate) => {
    let found = pieces.get(link);
    if (!found) {
      found = {
        middle: Buffer.from(`","callback_url":${JSON.stringify(link.before).slice(0, -1)}`),
        tail: Buffer.from(`${JSON.stringify(link.after).slice(1)}}`),
      };
      pieces.set(link, found);
    }
    return found;
  };
  let slots = 0;
  for (const rows of byPoint.values()) slots += rows.length;
  const out = new ByteWriter(slots * 256 + byPoint.size * 64);
  const head = Buffer.from('{"datetime":"');
  const nextHead = Buffer.from(',{"datetime":"');
  out.ascii('{');
  let firstPoint = true;
  for (const [id, rows] of byPoint) {
    out.bytes(Buffer.from(`${firstPoint ? '' : ','}${JSON.stringify(id)}:[`));
    firstPoint = false;
    rows.forEach((row, index) => {
      const { middle, tail } = piecesOf(row.link);
      out.bytes(index ? nextHead : head);
      out.ascii(row.datetime);
      out.bytes(middle);
      out.ascii(encodeURIComponent(row.datetime));
      out.bytes(tail);
    });
    out.ascii(']');
  }
  out.ascii('}');
  return out.done();
}

/** Stands for the start time in a link asked of the core once per motif and lieu. */
const START_MARK = 'STARTSAT';

/** This territory's slots for the asked points it publishes: a créneaux search per motif over its points, all at once. */
async function territorySlots(ctx: PluginContext<AntsConfig>, search: SlotQuery): Promise<Map<string, SlotRow[]>> {
  const points = await publishedPoints(ctx, search.meetingPointIds);
  const found = new Map<string, SlotRow[]>([...points.keys()].map((id) => [id, []]));
  if (!points.size) return found;
  const zone = await ctx.core.timeZone();
  // The hub widens to whole months: days already gone have nothing to offer.
  const today = DateTime.fromJSDate(ctx.now(), { zone }).toISODate()!;
  const from = search.startDate < today ? today : search.startDate;
  if (from > search.endDate) return found;
  const motifs = new Map<string, { organisationId: string; duration: number; lieuIds: string[] }>();
  for (const point of points.values()) {
    for (const motif of point.motifs.filter((candidate) => candidate.category === search.category)) {
      const entry = motifs.get(motif.id) ?? { organisationId: motif.organisation_id, duration: motif.default_duration_in_min, lieuIds: [] };
      entry.lieuIds.push(point.lieu.id);
      motifs.set(motif.id, entry);
    }
  }
  // Started together, the searches run as one search of the engine.
  const searches = await Promise.all([...motifs].map(async ([motifId, motif]) => {
    const links = new Map(await Promise.all(motif.lieuIds.map(async (lieuId) => {
      const link = await ctx.core.links.publicCreneau({ organisationId: motif.organisationId, motifId, lieuId, startsAt: START_MARK });
      const at = link.indexOf(START_MARK);
      return [lieuId, { before: link.slice(0, at), after: link.slice(at + START_MARK.length) }] as const;
    })));
    const creneaux = await ctx.core.creneaux({
      motifId, lieuIds: motif.lieuIds, from, to: search.endDate, durationInMin: motif.duration * search.documentsNumber, audience: 'public',
    });
    return { links, creneaux };
  }));
  for (const { links, creneaux } of searches) {
    for (const creneau of creneaux) {
      // The core writes `2027-01-05T09:00:00+01:00`: the explicit offset the hub accepts (not RDV-SP's ambiguous `Z`).
      found.get(creneau.lieu_id)?.push({ at: Date.parse(creneau.starts_at), datetime: creneau.starts_at, link: links.get(creneau.lieu_id)! });
    }
  }
  for (const [id, rows] of found) found.set(id, sortedSlots(rows));
  return found;
}

export interface HubAppointment {
  meeting_point: string;
  datetime: string;
  management_url: string;
  cancel_url: string;
}

/** This territory's coming appointments for these numbers (upper-cased), by number. */
async function territoryAppointments(ctx: PluginContext<AntsConfig>, numbers: string[]): Promise<Map<string, (HubAppointment & { at: number })[]>> {
  const found = new Map<string, (HubAppointment & { at: number })[]>();
  const rdvs = (await ctx.core.rdvsByUsagerField({ field: NUMBER_FIELD, values: numbers, endsAfter: ctx.now() })).filter((rdv) => !rdv.cancelled);
  if (!rdvs.length) return found;
  const [motifs, lieux] = await Promise.all([
    ctx.core.motifs({ ids: [...new Set(rdvs.map((rdv) => rdv.motif_id))] }),
    ctx.core.lieux({ ids: [...new Set(rdvs.flatMap((rdv) => (rdv.lieu_id ? [rdv.lieu_id] : [])))] }),
  ]);
  const antsMotifs = new Set(motifs.filter((motif) => isAntsCategory(motif.category)).map((motif) => motif.id));
  const lieuNames = new Map(lieux.map((lieu) => [lieu.id, lieu.name]));
  // The management link ANTS was given when we declared it, so that the hub sees one link per appointment.
  const declared = await ctx.db.query<{ rdv_id: string; application_id: string; management_url: string }>(
    `SELECT rdv_id::text AS rdv_id, application_id, management_url FROM ants_appointments WHERE rdv_id = ANY($1::uuid[]) AND application_id = ANY($2::text[])`,
    [rdvs.map((rdv) => rdv.id), numbers],
  );
  for (const rdv of rdvs) {
    if (!antsMotifs.has(rdv.motif_id)) continue;
    for (const usager of rdv.usagers) {
      const number = numberOf(usager.custom_fields);
      if (!number || !numbers.includes(number) || LEFT.includes(usager.participation_status)) continue;
      const url = declared.find((row) => row.rdv_id === rdv.id && row.application_id === number)?.management_url
        ?? await ctx.core.links.manageParticipation(usager.participation_id);
      const list = found.get(number) ?? [];
      list.push({
        meeting_point: (rdv.lieu_id && lieuNames.get(rdv.lieu_id)) || '', datetime: rdv.starts_at,
        management_url: url, cancel_url: url, at: Date.parse(rdv.starts_at),
      });
      found.set(number, list);
    }
  }
  return found;
}

export const hubRoutes: PartnerRoute<AntsConfig>[] = [
  {
    method: 'get', path: '/getManagedMeetingPoints',
    summary: "ANTS hub: every published meeting point of the instance (lieux with a structured address and coordinates, of organisations where ANTS is on)",
    async handle(request) {
      const denied = refusal(request);
      if (denied) return denied;
      const perTerritory = await request.forEachTerritory(async (ctx) => [...(await publishedPoints(ctx)).values()].map((point) => point.meetingPoint));
      return perTerritory.flat() satisfies MeetingPoint[];
    },
  },
  {
    method: 'get', path: '/availableTimeSlots',
    summary: 'ANTS hub: free slots of meeting points (repeated meeting_point_ids, start_date, end_date, reason CNI|PASSPORT|CNI-PASSPORT, documents_number), keyed by meeting point',
    async handle(request) {
      const denied = refusal(request);
      if (denied) return denied;
      const search = parseSlotQuery(request.query);
      if (search instanceof PartnerReply) return search;
      const perTerritory = await request.forEachTerritory((ctx) => territorySlots(ctx, search));
      const byPoint = new Map(perTerritory.flatMap((found) => [...found]));
      return new PartnerReply(200, slotsJson(byPoint), { 'content-type': 'application/json; charset=utf-8' });
    },
  },
  {
    method: 'get', path: '/searchApplicationIds',
    summary: 'ANTS hub: the coming appointments we hold for each pré-demande number (repeated application_ids)',
    async handle(request) {
      const denied = refusal(request);
      if (denied) return denied;
      const asked = [...new Set(values(request.query.application_ids).filter((id) => id !== ''))];
      if (!asked.length) return hubError('Missing application_ids param');
      const numbers = [...new Set(asked.filter(isNumber).map((id) => id.toUpperCase()))];
      const perTerritory = numbers.length ? await request.forEachTerritory((ctx) => territoryAppointments(ctx, numbers)) : [];
      return Object.fromEntries(asked.map((id) => {
        const appointments = perTerritory.flatMap((found) => found.get(id.toUpperCase()) ?? []).sort((a, b) => a.at - b.at);
        return [id, appointments.map(({ at: _at, ...appointment }) => appointment)];
      }));
    },
  },
];
