import { territoryTimeZone } from '../agenda/definitions';
import { AgentActor, seesWholeOrganisation } from '../agents/actor';
import { tx } from '../db/database';
import { loadForm } from '../forms/forms';
import { versionsOf } from '../history/record-versions';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { bookByAgent, changeByAgent, deleteByAgent, markArrival, rdvFor, RdvBody } from './agent-booking';
import { idempotent } from './idempotency';
import { addParticipationByAgent, changeParticipationByAgent, removeParticipationByAgent } from './participations';
import { RdvStatus } from './rdv.entity';
import { rdvFilterSql, readChoice, readRdvFilters } from './rdv-filters';
import { loadRdvRecords, rdvJson } from './rdvs';

/** `?sort=`: by start, earliest first (the default) or latest first. */
const SORTS: Record<string, string> = { starts_at: 'r.starts_at, r.id', '-starts_at': 'r.starts_at DESC, r.id DESC' };

/** The rdvs of an organisation the agent sees, filtered, in start order (or the reverse). */
async function listRdvs(actor: AgentActor, organisationId: string, query: Record<string, string | undefined>) {
  requireMember(actor, organisationId);
  const zone = await territoryTimeZone();
  const page = readPage(query);
  const order = SORTS[readChoice(query.sort, 'sort', Object.keys(SORTS)) ?? 'starts_at'];
  const whole = seesWholeOrganisation(actor, organisationId);
  const parameters = [organisationId, whole, actor.agentId, [...actor.services], ...readRdvFilters(query, zone)];
  const where = `r.organisation_id = $1
    AND ($2 OR EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.rdv_id = r.id AND (ra.agent_id = $3
           OR EXISTS (SELECT 1 FROM agent_services s WHERE s.agent_id = ra.agent_id AND s.service_slug = ANY($4::text[])))))
    AND ${rdvFilterSql(5)}`;
  const [{ total }] = await tx().query(`SELECT count(*)::int AS total FROM rdvs r WHERE ${where}`, parameters);
  const rows: { id: string }[] = await tx().query(
    `SELECT r.id FROM rdvs r WHERE ${where} ORDER BY ${order} LIMIT $13 OFFSET $14`,
    [...parameters, page.per_page, (page.page - 1) * page.per_page],
  );
  const records = await loadRdvRecords(rows.map((row) => row.id));
  return { records, page, total, zone };
}

export const rdvRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/rdvs', tag: 'rdvs', access: 'agent',
    summary: 'The rdvs of the organisation in the agendas the agent sees (?starts_after=&starts_before=&agent_id=&user_id=&motif_id=&lieu_id=&status=&origin=agent|user|prescripteur&sort=starts_at|-starts_at)',
    async handle({ actor, params, query, platform }) {
      const { records, page, total, zone } = await listRdvs(actor, params.org, query);
      const form = await loadForm(platform, 'rdv');
      return listBody(records.map((record) => rdvJson(record, zone, form)), page, total);
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/rdvs', tag: 'rdvs', access: 'agent', status: 201,
    body: 'api/rdv.json',
    summary: 'Book an rdv (Idempotency-Key honoured); outside a plage, over an absence or another rdv it needs force: true, else 409 lists why',
    async handle(request) {
      const { actor, params, body, platform } = request;
      return idempotent(request, `agent:${actor.agentId}:rdvs`, 201, async () => {
        const { record, warnings, form, zone } = await bookByAgent({ actor, platform }, params.org, body);
        return { ...rdvJson(record, zone, form), warnings };
      });
    },
  }),
  route({
    method: 'get', path: '/api/v1/rdvs/:id', tag: 'rdvs', access: 'agent',
    summary: 'One rdv',
    async handle({ actor, params, platform }) {
      const record = await rdvFor(actor, params.id);
      return rdvJson(record, await territoryTimeZone(), await loadForm(platform, 'rdv'));
    },
  }),
  route({
    method: 'patch', path: '/api/v1/rdvs/:id', tag: 'rdvs', access: 'agent',
    body: 'api/rdv.json', partialBody: true,
    summary: 'Change an rdv: move it, change its agents, usagers, lieu, status (unknown, seen, noshow, excused, revoked), fiche',
    async handle({ actor, params, body, platform }) {
      const { record, warnings, zone } = await changeByAgent({ actor, platform }, params.id, body as RdvBody);
      return { ...rdvJson(record, zone, await loadForm(platform, 'rdv')), warnings };
    },
  }),
  route({
    method: 'delete', path: '/api/v1/rdvs/:id', tag: 'rdvs', access: 'agent',
    summary: 'Delete an rdv (its time is freed, its history kept)',
    async handle({ actor, params, platform }) {
      await deleteByAgent({ actor, platform }, params.id);
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/api/v1/rdvs/:id/participations', tag: 'rdvs', access: 'agent', status: 201,
    body: 'api/participation.json',
    summary: 'An usager joins the rdv (a seat of a collectif session: 409 when full, unless force: true overbooks it); Idempotency-Key honoured',
    async handle(request) {
      const { actor, params, body, platform } = request;
      return idempotent(request, `agent:${actor.agentId}:participations`, 201, async () => {
        const { record, zone } = await addParticipationByAgent({ actor, platform }, params.id, body);
        return rdvJson(record, zone, await loadForm(platform, 'rdv'));
      });
    },
  }),
  route({
    method: 'patch', path: '/api/v1/rdvs/:id/participations/:participation_id', tag: 'rdvs', access: 'agent',
    body: 'api/participation.status.json',
    summary: "One usager's status; the rdv's follows",
    async handle({ actor, params, body, platform }) {
      const { record, zone } = await changeParticipationByAgent({ actor, platform }, params.id, params.participation_id, body as { status: RdvStatus });
      return rdvJson(record, zone, await loadForm(platform, 'rdv'));
    },
  }),
  route({
    method: 'delete', path: '/api/v1/rdvs/:id/participations/:participation_id', tag: 'rdvs', access: 'agent',
    summary: 'The usager leaves the rdv',
    async handle({ actor, params, platform }) {
      await removeParticipationByAgent({ actor, platform }, params.id, params.participation_id);
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/api/v1/rdvs/:id/arrival', tag: 'rdvs', access: 'agent',
    summary: "Salle d'attente: the usager has arrived; the rdv's agents are told",
    async handle({ actor, params, platform }) {
      const { record, zone } = await markArrival({ actor, platform }, params.id, true);
      return rdvJson(record, zone, await loadForm(platform, 'rdv'));
    },
  }),
  route({
    method: 'delete', path: '/api/v1/rdvs/:id/arrival', tag: 'rdvs', access: 'agent',
    summary: "Salle d'attente: take back an arrival marked by mistake",
    async handle({ actor, params, platform }) {
      const { record, zone } = await markArrival({ actor, platform }, params.id, false);
      return rdvJson(record, zone, await loadForm(platform, 'rdv'));
    },
  }),
  route({
    method: 'get', path: '/api/v1/rdvs/:id/versions', tag: 'rdvs', access: 'agent',
    summary: "The rdv's history: who changed which fields when, from what to what (organisation admins)",
    async handle({ actor, params, query }) {
      const record = await rdvFor(actor, params.id);
      requireOrganisationAdmin(actor, record.rdv.organisation_id);
      const page = readPage(query);
      const [versions, total] = await versionsOf('rdv', record.rdv.id, page);
      return listBody(versions, page, total);
    },
  }),
];
