/**
 * Plages d'ouverture: an agent's opening hours at a lieu for some motifs.
 * Operations (also used by reference weeks) and the routes.
 */
import { AgentActor, SECRETARIAT, seesWholeOrganisation } from '../agents/actor';
import { AgentRow } from '../agents/agents';
import { currentTerritoryId, tx } from '../db/database';
import { onlineRdvsInPlages, rdvsLeftOutsidePlages, unscheduleRdvs } from '../booking/unschedule';
import { AppError, FieldError } from '../errors';
import { recordEvent } from '../events/outbox';
import { readFlag } from '../http/flags';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { ApiRequest, route } from '../http/route';
import { requireMember } from '../organisations/policy';
import { PlageOuverture } from './agenda.entity';
import { AgendaFields, checkAgendaFields, definitionOf, territoryTimeZone } from './definitions';
import { isoInZone } from './iso';
import { findVisibleAgent, requirePlageWriter, visibleAgent } from './policy';
import { expandOccurrences } from './recurrence';
import { formatDay, Interval, localDaysWindow, parseDay } from './time';

export interface PlageInput extends AgendaFields {
  agent_id: string;
  lieu_id: string;
  motif_ids: string[];
  title?: string | null;
}

export interface PlageRow extends PlageInput {
  id: string;
  organisation_id: string;
  until: string | null;
  exdates: string[];
  last_day: string;
  created_at: Date;
  updated_at: Date;
}

/** Told to the writer, never a refusal: overlapping plages are allowed (an agent may really be double-booked). */
export interface AgendaWarning {
  code: 'overlapping_plage';
  plage_ouverture_id: string;
  message: string;
}

const PLAGE_COLUMNS = `id, organisation_id, agent_id, lieu_id, motif_ids, title, first_day::text AS first_day,
  start_time, end_time, recurrence, until::text AS until, exdates::text[] AS exdates, last_day::text AS last_day,
  created_at, updated_at`;

export function plageJson(plage: PlageRow) {
  return {
    id: plage.id,
    organisation_id: plage.organisation_id,
    agent_id: plage.agent_id,
    lieu_id: plage.lieu_id,
    motif_ids: plage.motif_ids,
    title: plage.title ?? null,
    first_day: plage.first_day,
    start_time: plage.start_time,
    end_time: plage.end_time,
    recurrence: plage.recurrence ?? null,
    until: plage.until,
    exdates: plage.exdates,
    created_at: plage.created_at,
    updated_at: plage.updated_at,
  };
}

/** Collects the field errors of several checks, so that one answer names every problem. */
async function collectInvalid(errors: FieldError[], check: () => unknown): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'invalid') throw error;
    errors.push(...(error.errors.length > 0 ? error.errors : [{ path: '', message: error.message }]));
  }
}

/**
 * The agent, lieu and motifs of a plage must belong to the organisation, and the
 * motifs to the agent's services (or be opened to the Secrétariat the agent is in).
 * Collectif motifs are booked as sessions, not in plages.
 */
export async function checkPlageReferences(
  input: Pick<PlageInput, 'lieu_id' | 'motif_ids'>,
  agent: AgentRow,
  organisationId: string,
  motifPath: (index: number) => string = (index) => `motif_ids.${index}`,
): Promise<void> {
  const errors: FieldError[] = [];
  if (!agent.roles.some((role) => role.organisation_id === organisationId)) {
    errors.push({ path: 'agent_id', message: 'is not an agent of this organisation' });
  }
  const [lieu] = await tx().query(
    `SELECT id FROM lieux WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL`,
    [input.lieu_id, organisationId],
  );
  if (!lieu) errors.push({ path: 'lieu_id', message: 'is not a lieu of this organisation' });
  const motifs: { id: string; service_id: string; for_secretariat: boolean; collectif: boolean }[] = await tx().query(
    `SELECT id, service_id, for_secretariat, collectif FROM motifs
      WHERE id = ANY($1::uuid[]) AND organisation_id = $2 AND deleted_at IS NULL`,
    [input.motif_ids, organisationId],
  );
  const services = new Set(agent.service_ids);
  input.motif_ids.forEach((motifId, index) => {
    const motif = motifs.find((candidate) => candidate.id === motifId);
    let problem: string | null = null;
    if (!motif) problem = 'is not a motif of this organisation';
    else if (motif.collectif) problem = 'is a collectif motif: it is booked in sessions, not in plages';
    else if (!services.has(motif.service_id) && !(motif.for_secretariat && services.has(SECRETARIAT))) {
      problem = "is not a motif of the agent's services";
    }
    if (problem) errors.push({ path: motifPath(index), message: problem });
  });
  if (errors.length > 0) throw AppError.invalid('The plage names records it cannot use', errors);
}

/** Occurrences of two definitions overlap somewhere in `window`: the first overlapping start, else null. */
function firstOverlap(a: Interval[], b: Interval[]): number | null {
  let j = 0;
  for (const occurrence of a) {
    while (j < b.length && b[j].end <= occurrence.start) j++;
    for (let k = j; k < b.length && b[k].start < occurrence.end; k++) {
      if (b[k].end > occurrence.start) return Math.max(occurrence.start, b[k].start);
    }
  }
  return null;
}

/** The agent's other plages (in any organisation) that overlap this one within its first year. */
async function overlapWarnings(plage: PlageRow, timeZone: string): Promise<AgendaWarning[]> {
  const firstDay = parseDay(plage.first_day)!;
  const horizon = formatDay(Math.min(parseDay(plage.last_day)!, firstDay + 366));
  const others: PlageRow[] = await tx().query(
    `SELECT ${PLAGE_COLUMNS} FROM plages_ouverture
      WHERE agent_id = $1 AND id <> $2 AND first_day <= $3 AND last_day >= $4
      ORDER BY first_day, start_time, id`,
    [plage.agent_id, plage.id, horizon, plage.first_day],
  );
  if (others.length === 0) return [];
  const window = localDaysWindow(plage.first_day, horizon, timeZone);
  const mine = expandOccurrences(definitionOf(plage), timeZone, window);
  const warnings: AgendaWarning[] = [];
  for (const other of others) {
    const overlap = firstOverlap(mine, expandOccurrences(definitionOf(other), timeZone, window));
    if (overlap === null) continue;
    warnings.push({
      code: 'overlapping_plage',
      plage_ouverture_id: other.id,
      message: `Overlaps the agent's plage "${other.title ?? other.id}" (first on ${isoInZone(overlap, timeZone).slice(0, 10)})`,
    });
  }
  return warnings;
}

function columnsOf(input: PlageInput, lastDay: string) {
  return {
    agent_id: input.agent_id,
    lieu_id: input.lieu_id,
    motif_ids: input.motif_ids,
    title: input.title ?? null,
    first_day: input.first_day,
    start_time: input.start_time,
    end_time: input.end_time,
    recurrence: input.recurrence || null,
    until: input.until ?? null,
    exdates: input.exdates ?? [],
    last_day: lastDay,
  };
}

async function findPlageRow(id: string): Promise<PlageRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [plage] = await tx().query(`SELECT ${PLAGE_COLUMNS} FROM plages_ouverture WHERE id = $1`, [id]);
  return plage;
}

/** Checks every rule (refusing with every field error at once), then writes the plage and its event. */
async function savePlage(
  actor: AgentActor,
  organisationId: string,
  input: PlageInput,
  agent: AgentRow,
  existing?: PlageRow,
): Promise<{ plage: PlageRow; warnings: AgendaWarning[] }> {
  const timeZone = await territoryTimeZone();
  const errors: FieldError[] = [];
  let lastDay = '';
  await collectInvalid(errors, () => checkPlageReferences(input, agent, organisationId));
  await collectInvalid(errors, () => ({ lastDay } = checkAgendaFields(input, timeZone)));
  if (errors.length > 0) throw AppError.invalid('The plage d\'ouverture is invalid', errors);

  const columns = columnsOf(input, lastDay);
  let id: string;
  if (existing) {
    id = existing.id;
    await tx().update(PlageOuverture, { id }, { ...columns, updated_at: new Date() });
  } else {
    const inserted = await tx().insert(PlageOuverture, { ...columns, territory_id: currentTerritoryId(), organisation_id: organisationId });
    id = inserted.identifiers[0].id;
  }
  const plage = (await findPlageRow(id))!;
  await recordEvent('plage_ouverture', existing ? 'updated' : 'created', plageJson(plage), {
    organisationId,
    actorAgentId: actor.agentId,
  });
  return { plage, warnings: await overlapWarnings(plage, timeZone) };
}

/** Creates a plage after every check; reference weeks create theirs through here. */
export async function createPlage(actor: AgentActor, organisationId: string, input: PlageInput) {
  requireMember(actor, organisationId);
  const agent = await visibleAgent(actor, input.agent_id);
  requirePlageWriter(actor, agent.id, organisationId);
  return savePlage(actor, organisationId, input, agent);
}

/** A plage the actor may read: 404 otherwise (another territory, another organisation, an agent out of sight). */
async function readablePlage(actor: AgentActor, id: string): Promise<PlageRow> {
  const plage = await findPlageRow(id);
  if (!plage) throw AppError.notFound("Plage d'ouverture");
  requireMember(actor, plage.organisation_id);
  if (!(await findVisibleAgent(actor, plage.agent_id))) throw AppError.notFound("Plage d'ouverture");
  return plage;
}

/** What a change of a plage did to the online rdvs it held. */
interface UnscheduleOutcome {
  unscheduled_rdv_ids: string[];
  rdvs_outside_plages: number;
}

/**
 * Runs a change of the plage, then finds the online rdvs it held that no plage of
 * the agent holds any more (booking/unschedule.ts): with `?unschedule_rdvs=true`
 * they are revoked as « déprogrammés » in the same transaction; without, they
 * stay and are counted, so that the UI can ask.
 */
async function changingPlage<T>(request: ApiRequest<'agent'>, plage: PlageRow, change: () => Promise<T>): Promise<{ result: T } & UnscheduleOutcome> {
  const unschedule = readFlag(request.query.unschedule_rdvs, 'unschedule_rdvs');
  const scope = { organisationId: plage.organisation_id, agentId: plage.agent_id, lieuId: plage.lieu_id, motifIds: plage.motif_ids };
  const held = await onlineRdvsInPlages(scope, request.platform);
  const result = await change();
  const outside = (await rdvsLeftOutsidePlages(scope, held, request.platform)).map((rdv) => rdv.id);
  if (!unschedule) return { result, unscheduled_rdv_ids: [], rdvs_outside_plages: outside.length };
  await unscheduleRdvs(outside, { type: 'agent', agentId: request.actor.agentId }, request.platform);
  return { result, unscheduled_rdv_ids: outside, rdvs_outside_plages: 0 };
}

/** The body of POST /plages_ouverture/{id}/occurrences (schemas/api/plage_ouverture.occurrence.json). */
interface OccurrenceHours {
  day: string;
  start_time: string;
  end_time: string;
  lieu_id?: string;
}

/**
 * One occurrence of a recurring plage with its own hours (and lieu): refused, with every field
 * error at once and nothing written, unless the day is one of the series and the one-day plage
 * it becomes is valid. Then, in the request's one transaction, the day joins the series'
 * exdates and the one-day plage (same agent, motifs, title) is created.
 */
async function moveOccurrence(actor: AgentActor, plage: PlageRow, body: OccurrenceHours) {
  const timeZone = await territoryTimeZone();
  const errors: FieldError[] = [];
  const day = parseDay(body.day);
  if (!plage.recurrence) {
    errors.push({ path: 'day', message: 'is the only day of this plage: change the plage itself' });
  } else if (day === null || expandOccurrences(definitionOf(plage), timeZone, localDaysWindow(body.day, body.day, timeZone)).length === 0) {
    errors.push({ path: 'day', message: 'is not a day of this plage' });
  }
  const input: PlageInput = {
    agent_id: plage.agent_id, lieu_id: body.lieu_id ?? plage.lieu_id, motif_ids: plage.motif_ids, title: plage.title ?? null,
    first_day: body.day, start_time: body.start_time, end_time: body.end_time, recurrence: null, until: null, exdates: [],
  };
  const agent = await visibleAgent(actor, plage.agent_id);
  await collectInvalid(errors, () => checkAgendaFields(input, timeZone));
  await collectInvalid(errors, () => checkPlageReferences(input, agent, plage.organisation_id));
  if (errors.length > 0) throw AppError.invalid("The day's hours are invalid", errors);

  const series = await savePlage(actor, plage.organisation_id, { ...plage, exdates: [...new Set([...plage.exdates, body.day])].sort() }, agent, plage);
  const occurrence = await savePlage(actor, plage.organisation_id, input, agent);
  return { series: series.plage, occurrence: occurrence.plage, warnings: occurrence.warnings };
}

export const plageRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/plages_ouverture', tag: 'plages_ouverture', access: 'agent',
    summary: "The organisation's plages d'ouverture the agent can see (?agent_id=&lieu_id=)",
    async handle({ actor, params, query }) {
      requireMember(actor, params.org);
      const page = readPage(query);
      for (const name of ['agent_id', 'lieu_id'] as const) {
        if (query[name] !== undefined && !isUuid(query[name])) throw new AppError('malformed', `${name} must be an id`, [{ path: name, message: 'must be an id' }]);
      }
      const rows: (PlageRow & { total_count: string })[] = await tx().query(
        `SELECT ${PLAGE_COLUMNS}, count(*) OVER () AS total_count FROM plages_ouverture p
          WHERE organisation_id = $1
            AND ($2::uuid IS NULL OR agent_id = $2) AND ($3::uuid IS NULL OR lieu_id = $3)
            AND ($4 OR agent_id = $5 OR EXISTS (SELECT 1 FROM agent_services s WHERE s.agent_id = p.agent_id AND s.service_slug = ANY($6::text[])))
          ORDER BY first_day, start_time, id LIMIT $7 OFFSET $8`,
        [params.org, query.agent_id ?? null, query.lieu_id ?? null, seesWholeOrganisation(actor, params.org), actor.agentId, [...actor.services],
          page.per_page, (page.page - 1) * page.per_page],
      );
      return listBody(rows.map(plageJson), page, Number(rows[0]?.total_count ?? 0));
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/plages_ouverture', tag: 'plages_ouverture', access: 'agent',
    body: 'api/plage_ouverture.json', status: 201,
    summary: "Create a plage d'ouverture; overlaps with the agent's other plages come back as warnings",
    async handle({ actor, params, body }) {
      const { plage, warnings } = await createPlage(actor, params.org, body as PlageInput);
      return { ...plageJson(plage), warnings };
    },
  }),
  route({
    method: 'get', path: '/api/v1/plages_ouverture/:id', tag: 'plages_ouverture', access: 'agent',
    summary: "One plage d'ouverture",
    async handle({ actor, params }) {
      return plageJson(await readablePlage(actor, params.id));
    },
  }),
  route({
    method: 'patch', path: '/api/v1/plages_ouverture/:id', tag: 'plages_ouverture', access: 'agent',
    body: 'api/plage_ouverture.json', partialBody: true,
    summary: "Change a plage d'ouverture; overlaps come back as warnings. Online rdvs it no longer holds are counted (rdvs_outside_plages), "
      + 'or revoked as déprogrammés with ?unschedule_rdvs=true (unscheduled_rdv_ids)',
    async handle(request) {
      const { actor, params, body } = request;
      const existing = await readablePlage(actor, params.id);
      requirePlageWriter(actor, existing.agent_id, existing.organisation_id);
      const input = { ...existing, ...(body as Partial<PlageInput>) };
      const agent = await visibleAgent(actor, input.agent_id);
      requirePlageWriter(actor, agent.id, existing.organisation_id);
      const { result: { plage, warnings }, ...outcome } = await changingPlage(request, existing,
        () => savePlage(actor, existing.organisation_id, input, agent, existing));
      return { ...plageJson(plage), warnings, ...outcome };
    },
  }),
  route({
    method: 'post', path: '/api/v1/plages_ouverture/:id/occurrences', tag: 'plages_ouverture', access: 'agent',
    body: 'api/plage_ouverture.occurrence.json', status: 201,
    summary: "One day of a recurring plage with its own hours (and lieu), at once: the day joins the series' exdates and becomes a one-day plage "
      + '(answered, with `series`: the plage as it now is). Overlaps come back as warnings; online rdvs no longer held are counted or, '
      + 'with ?unschedule_rdvs=true, revoked as déprogrammés',
    async handle(request) {
      const { actor, params, body } = request;
      const plage = await readablePlage(actor, params.id);
      requirePlageWriter(actor, plage.agent_id, plage.organisation_id);
      const { result: { series, occurrence, warnings }, ...outcome } = await changingPlage(request, plage,
        () => moveOccurrence(actor, plage, body as OccurrenceHours));
      return { ...plageJson(occurrence), series: plageJson(series), warnings, ...outcome };
    },
  }),
  route({
    method: 'delete', path: '/api/v1/plages_ouverture/:id', tag: 'plages_ouverture', access: 'agent',
    summary: "Delete a plage d'ouverture. Booked rdvs stay, and the online ones it alone held are counted (rdvs_outside_plages), "
      + 'unless ?unschedule_rdvs=true revokes them as déprogrammés (unscheduled_rdv_ids)',
    async handle(request) {
      const { actor, params } = request;
      const plage = await readablePlage(actor, params.id);
      requirePlageWriter(actor, plage.agent_id, plage.organisation_id);
      const { result, ...outcome } = await changingPlage(request, plage, async () => {
        await tx().delete(PlageOuverture, { id: plage.id });
        await recordEvent('plage_ouverture', 'destroyed', plageJson(plage), { organisationId: plage.organisation_id, actorAgentId: actor.agentId });
      });
      return outcome;
    },
  }),
];
