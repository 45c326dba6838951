/**
 * Absences (indisponibilités): an agent's unavailability, in every organisation
 * they work for; one day, several days or recurring.
 */
import { AgentActor } from '../agents/actor';
import { AgentRow } from '../agents/agents';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { Absence } from './agenda.entity';
import { AgendaFields, checkAgendaFields, territoryTimeZone } from './definitions';
import { findVisibleAgent, requireAbsenceWriter, visibleAgent } from './policy';

interface AbsenceInput extends AgendaFields {
  agent_id: string;
  title?: string | null;
}

interface AbsenceRow extends AbsenceInput {
  id: string;
  end_day: string | null;
  until: string | null;
  exdates: string[];
  created_at: Date;
  updated_at: Date;
}

const ABSENCE_COLUMNS = `id, agent_id, title, first_day::text AS first_day, end_day::text AS end_day, start_time, end_time,
  recurrence, until::text AS until, exdates::text[] AS exdates, created_at, updated_at`;

function absenceJson(absence: AbsenceRow) {
  return {
    id: absence.id,
    agent_id: absence.agent_id,
    title: absence.title ?? null,
    first_day: absence.first_day,
    end_day: absence.end_day,
    start_time: absence.start_time,
    end_time: absence.end_time,
    recurrence: absence.recurrence ?? null,
    until: absence.until,
    exdates: absence.exdates,
    created_at: absence.created_at,
    updated_at: absence.updated_at,
  };
}

async function findAbsenceRow(id: string): Promise<AbsenceRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [absence] = await tx().query(`SELECT ${ABSENCE_COLUMNS} FROM absences WHERE id = $1`, [id]);
  return absence;
}

/** An absence whose agent the actor sees (404 otherwise), with that agent. */
async function readableAbsence(actor: AgentActor, id: string): Promise<{ absence: AbsenceRow; agent: AgentRow }> {
  const absence = await findAbsenceRow(id);
  const agent = absence && (await findVisibleAgent(actor, absence.agent_id));
  if (!absence || !agent) throw AppError.notFound('Absence');
  return { absence, agent };
}

async function saveAbsence(actor: AgentActor, input: AbsenceInput, existing?: AbsenceRow): Promise<AbsenceRow> {
  const { lastDay } = checkAgendaFields(input, await territoryTimeZone());
  const columns = {
    agent_id: input.agent_id,
    title: input.title ?? null,
    first_day: input.first_day,
    end_day: input.end_day ?? null,
    start_time: input.start_time,
    end_time: input.end_time,
    recurrence: input.recurrence || null,
    until: input.until ?? null,
    exdates: input.exdates ?? [],
    last_day: lastDay,
  };
  let id: string;
  if (existing) {
    id = existing.id;
    await tx().update(Absence, { id }, { ...columns, updated_at: new Date() });
  } else {
    id = (await tx().insert(Absence, { ...columns, territory_id: currentTerritoryId() })).identifiers[0].id;
  }
  const absence = (await findAbsenceRow(id))!;
  // An absence is the agent's in every organisation: its events name none (consumers read agent_id).
  await recordEvent('absence', existing ? 'updated' : 'created', absenceJson(absence), { actorAgentId: actor.agentId });
  return absence;
}

export const absenceRoutes = [
  route({
    method: 'get', path: '/api/v1/absences', tag: 'absences', access: 'agent',
    summary: "An agent's absences (?agent_id=, the signed-in agent's by default)",
    async handle({ actor, query }) {
      const page = readPage(query);
      const agentId = query.agent_id ?? actor.agentId;
      if (!isUuid(agentId)) throw new AppError('malformed', 'agent_id must be an id', [{ path: 'agent_id', message: 'must be an id' }]);
      if (!(await findVisibleAgent(actor, agentId))) throw AppError.notFound('Agent');
      const rows: (AbsenceRow & { total_count: string })[] = await tx().query(
        `SELECT ${ABSENCE_COLUMNS}, count(*) OVER () AS total_count FROM absences
          WHERE agent_id = $1 ORDER BY first_day, start_time, id LIMIT $2 OFFSET $3`,
        [agentId, page.per_page, (page.page - 1) * page.per_page],
      );
      return listBody(rows.map(absenceJson), page, Number(rows[0]?.total_count ?? 0));
    },
  }),
  route({
    method: 'post', path: '/api/v1/absences', tag: 'absences', access: 'agent',
    body: 'api/absence.json', status: 201,
    summary: 'Create an absence for an agent',
    async handle({ actor, body }) {
      const input = body as AbsenceInput;
      requireAbsenceWriter(actor, await visibleAgent(actor, input.agent_id));
      return absenceJson(await saveAbsence(actor, input));
    },
  }),
  route({
    method: 'get', path: '/api/v1/absences/:id', tag: 'absences', access: 'agent',
    summary: 'One absence',
    async handle({ actor, params }) {
      return absenceJson((await readableAbsence(actor, params.id)).absence);
    },
  }),
  route({
    method: 'patch', path: '/api/v1/absences/:id', tag: 'absences', access: 'agent',
    body: 'api/absence.json', partialBody: true,
    summary: 'Change an absence',
    async handle({ actor, params, body }) {
      const { absence, agent } = await readableAbsence(actor, params.id);
      requireAbsenceWriter(actor, agent);
      const input = { ...absence, ...(body as Partial<AbsenceInput>) };
      if (input.agent_id !== absence.agent_id) requireAbsenceWriter(actor, await visibleAgent(actor, input.agent_id));
      return absenceJson(await saveAbsence(actor, input, absence));
    },
  }),
  route({
    method: 'delete', path: '/api/v1/absences/:id', tag: 'absences', access: 'agent',
    summary: 'Delete an absence',
    async handle({ actor, params }) {
      const { absence, agent } = await readableAbsence(actor, params.id);
      requireAbsenceWriter(actor, agent);
      await tx().delete(Absence, { id: absence.id });
      await recordEvent('absence', 'destroyed', absenceJson(absence), { actorAgentId: actor.agentId });
      return undefined;
    },
  }),
];
