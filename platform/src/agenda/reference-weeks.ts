/**
 * Semaines de référence (6tzen): a named weekly template of opening hours that
 * an admin applies to an agent and lieu for a period, creating the plages.
 */
import { AgentActor } from '../agents/actor';
import { currentTerritoryId, tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { recordEvent } from '../events/outbox';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { ReferenceWeek, ReferenceWeekRange, WEEKDAYS } from './agenda.entity';
import { AgendaWarning, checkPlageReferences, createPlage, plageJson } from './plages';
import { requirePlageWriter, visibleAgent } from './policy';
import { parseDay, parseTime, weekdayOf } from './time';

interface ReferenceWeekInput {
  name: string;
  ranges: ReferenceWeekRange[];
}

interface ApplyInput {
  agent_id: string;
  lieu_id: string;
  first_day: string;
  until: string;
}

function referenceWeekJson(week: ReferenceWeek) {
  return { id: week.id, organisation_id: week.organisation_id, name: week.name, ranges: week.ranges, created_at: week.created_at, updated_at: week.updated_at };
}

async function findReferenceWeek(actor: AgentActor, id: string): Promise<ReferenceWeek> {
  const week = isUuid(id) ? await tx().findOneBy(ReferenceWeek, { id }) : null;
  if (!week) throw AppError.notFound('Reference week');
  requireMember(actor, week.organisation_id);
  return week;
}

/** Each range ends after it starts and serves motifs of the organisation that plages can hold. */
async function checkRanges(ranges: ReferenceWeekRange[], organisationId: string): Promise<void> {
  const errors: FieldError[] = [];
  const motifIds = [...new Set(ranges.flatMap((range) => range.motif_ids))];
  const usable: { id: string }[] = await tx().query(
    `SELECT id FROM motifs WHERE id = ANY($1::uuid[]) AND organisation_id = $2 AND deleted_at IS NULL AND NOT collectif`,
    [motifIds, organisationId],
  );
  const usableIds = new Set(usable.map((motif) => motif.id));
  ranges.forEach((range, index) => {
    if (parseTime(range.end_time)! <= parseTime(range.start_time)!) {
      errors.push({ path: `ranges.${index}.end_time`, message: 'must be after start_time' });
    }
    range.motif_ids.forEach((motifId, position) => {
      if (!usableIds.has(motifId)) {
        errors.push({ path: `ranges.${index}.motif_ids.${position}`, message: 'is not a motif of this organisation that plages can hold' });
      }
    });
  });
  if (errors.length > 0) throw AppError.invalid('The reference week is invalid', errors);
}

/** Ranges with the same hours and motifs on several weekdays become one weekly plage. */
interface WeeklyOpening {
  weekdays: Set<number>;
  start_time: string;
  end_time: string;
  motif_ids: string[];
}

function weeklyOpenings(ranges: ReferenceWeekRange[]): WeeklyOpening[] {
  const openings = new Map<string, WeeklyOpening>();
  for (const range of ranges) {
    const key = `${range.start_time}|${range.end_time}|${[...range.motif_ids].sort().join(',')}`;
    let opening = openings.get(key);
    if (!opening) {
      opening = { weekdays: new Set(), start_time: range.start_time, end_time: range.end_time, motif_ids: range.motif_ids };
      openings.set(key, opening);
    }
    opening.weekdays.add(WEEKDAYS.indexOf(range.weekday));
  }
  return [...openings.values()];
}

/** The weekdays (Monday = 0) that fall in [first, last], at most the seven of a week. */
function weekdaysBetween(first: number, last: number): Set<number> {
  const weekdays = new Set<number>();
  for (let day = first; day <= last && weekdays.size < 7; day++) weekdays.add(weekdayOf(day));
  return weekdays;
}

async function applyReferenceWeek(actor: AgentActor, week: ReferenceWeek, input: ApplyInput) {
  const first = parseDay(input.first_day)!;
  const last = parseDay(input.until)!;
  if (last < first) throw AppError.invalidField('until', 'must not be before first_day');
  const inPeriod = weekdaysBetween(first, last);
  const openings = weeklyOpenings(week.ranges)
    .map((opening) => ({ ...opening, weekdays: [...opening.weekdays].filter((weekday) => inPeriod.has(weekday)).sort() }))
    .filter((opening) => opening.weekdays.length > 0);
  if (openings.length === 0) throw AppError.invalidField('until', "the period holds none of the reference week's days");

  // Refuse at the reference week's own paths a motif the agent cannot hold, before writing anything.
  const agent = await visibleAgent(actor, input.agent_id);
  requirePlageWriter(actor, agent.id, week.organisation_id);
  const motifIds = [...new Set(week.ranges.flatMap((range) => range.motif_ids))];
  await checkPlageReferences({ lieu_id: input.lieu_id, motif_ids: motifIds }, agent, week.organisation_id, (index) => {
    const rangeIndex = week.ranges.findIndex((range) => range.motif_ids.includes(motifIds[index]));
    return `ranges.${rangeIndex}.motif_ids.${week.ranges[rangeIndex].motif_ids.indexOf(motifIds[index])}`;
  });

  const plages = [];
  const warnings: AgendaWarning[] = [];
  for (const opening of openings) {
    const created = await createPlage(actor, week.organisation_id, {
      agent_id: input.agent_id,
      lieu_id: input.lieu_id,
      motif_ids: opening.motif_ids,
      title: week.name,
      first_day: input.first_day,
      start_time: opening.start_time,
      end_time: opening.end_time,
      recurrence: `FREQ=WEEKLY;BYDAY=${opening.weekdays.map((weekday) => WEEKDAYS[weekday]).join(',')}`,
      until: input.until,
      exdates: [],
    });
    plages.push(plageJson(created.plage));
    warnings.push(...created.warnings);
  }
  return { data: plages, warnings };
}

export const referenceWeekRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/reference_weeks', tag: 'reference_weeks', access: 'agent',
    summary: "The organisation's reference weeks",
    async handle({ actor, params, query }) {
      requireMember(actor, params.org);
      const page = readPage(query);
      const [rows, total] = await tx().findAndCount(ReferenceWeek, {
        where: { organisation_id: params.org },
        order: { name: 'ASC', id: 'ASC' },
        skip: (page.page - 1) * page.per_page,
        take: page.per_page,
      });
      return listBody(rows.map(referenceWeekJson), page, total);
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/reference_weeks', tag: 'reference_weeks', access: 'agent',
    body: 'api/reference_week.json', status: 201,
    summary: 'Create a reference week (admins of the organisation)',
    async handle({ actor, params, body }) {
      requireOrganisationAdmin(actor, params.org);
      const input = body as ReferenceWeekInput;
      await checkRanges(input.ranges, params.org);
      const week = await tx().save(tx().create(ReferenceWeek, { ...input, territory_id: currentTerritoryId(), organisation_id: params.org }));
      await recordEvent('reference_week', 'created', referenceWeekJson(week), { organisationId: params.org, actorAgentId: actor.agentId });
      return referenceWeekJson(week);
    },
  }),
  route({
    method: 'get', path: '/api/v1/reference_weeks/:id', tag: 'reference_weeks', access: 'agent',
    summary: 'One reference week',
    async handle({ actor, params }) {
      return referenceWeekJson(await findReferenceWeek(actor, params.id));
    },
  }),
  route({
    method: 'patch', path: '/api/v1/reference_weeks/:id', tag: 'reference_weeks', access: 'agent',
    body: 'api/reference_week.json', partialBody: true,
    summary: 'Change a reference week (plages already created stay as they are)',
    async handle({ actor, params, body }) {
      const week = await findReferenceWeek(actor, params.id);
      requireOrganisationAdmin(actor, week.organisation_id);
      const input = body as Partial<ReferenceWeekInput>;
      if (input.ranges) await checkRanges(input.ranges, week.organisation_id);
      Object.assign(week, input, { updated_at: new Date() });
      const saved = await tx().save(week);
      await recordEvent('reference_week', 'updated', referenceWeekJson(saved), { organisationId: saved.organisation_id, actorAgentId: actor.agentId });
      return referenceWeekJson(saved);
    },
  }),
  route({
    method: 'delete', path: '/api/v1/reference_weeks/:id', tag: 'reference_weeks', access: 'agent',
    summary: 'Delete a reference week (plages already created stay)',
    async handle({ actor, params }) {
      const week = await findReferenceWeek(actor, params.id);
      requireOrganisationAdmin(actor, week.organisation_id);
      await tx().delete(ReferenceWeek, { id: week.id });
      await recordEvent('reference_week', 'destroyed', referenceWeekJson(week), { organisationId: week.organisation_id, actorAgentId: actor.agentId });
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/api/v1/reference_weeks/:id/apply', tag: 'reference_weeks', access: 'agent',
    body: 'api/reference_week.apply.json', status: 201,
    summary: "Create the reference week's plages for an agent at a lieu, from first_day to until (whoever may write that agent's plages)",
    async handle({ actor, params, body }) {
      const week = await findReferenceWeek(actor, params.id);
      return applyReferenceWeek(actor, week, body as ApplyInput);
    },
  }),
];
