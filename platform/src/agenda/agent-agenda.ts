/**
 * One agent's agenda over some days, as the admin UI's calendar shows it: the
 * occurrences of their plages d'ouverture (in this organisation) and absences
 * (theirs everywhere), their rdvs in this organisation, and the days public
 * holidays and the organisation's closures close. Recurrences are expanded here,
 * through the slot engine's occurrence cache, so that the browser never does.
 */
import { AgentActor, seesWholeOrganisation, sharesAService } from '../agents/actor';
import { AgentRow, loadAgents } from '../agents/agents';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { route } from '../http/route';
import { requireMember } from '../organisations/policy';
import { loadSearchSettings, searchWindow } from '../scheduling/search';
import { occurrenceCache } from '../scheduling/snapshot';
import { AgendaFields, definitionOf } from './definitions';
import { publicHolidays } from './holidays';
import { isoInZone } from './iso';
import { canWriteAbsencesOf, canWritePlagesOf } from './policy';
import { Interval } from './time';

interface PlageRow extends AgendaFields {
  id: string;
  title: string | null;
  lieu_id: string;
  lieu_name: string;
  motifs: { id: string; name: string }[];
}

interface AbsenceRow extends AgendaFields {
  id: string;
  title: string | null;
}

interface RdvRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  status: string;
  collectif: boolean;
  name: string | null;
  motif_id: string;
  motif_name: string;
  lieu_id: string | null;
  usager_names: string[];
}

/**
 * The agent of `agent_id` (the actor by default) if they work in the organisation and the
 * actor sees their agenda there: themselves, everyone where they see the whole organisation,
 * else colleagues sharing a service. 404 at `agent_id` otherwise, another territory's included.
 */
async function agendaOwner(actor: AgentActor, organisationId: string, agentId: string | undefined): Promise<AgentRow> {
  const id = agentId || actor.agentId;
  if (!isUuid(id)) throw new AppError('malformed', 'agent_id must be an id', [{ path: 'agent_id', message: 'must be an id' }]);
  const [agent] = await loadAgents('a.id = $1', [id]);
  const visible = agent
    && agent.roles.some((role) => role.organisation_id === organisationId)
    && (agent.id === actor.agentId || seesWholeOrganisation(actor, organisationId) || sharesAService(actor, agent.service_ids));
  if (!visible) throw new AppError('not_found', 'Agent not found', [{ path: 'agent_id', message: 'names no agent whose agenda you can see' }]);
  return agent;
}

/** Each occurrence with its local start day, the day an exdate names to skip it. */
function occurrencesOf(fields: AgendaFields, timeZone: string, window: Interval) {
  return occurrenceCache.occurrences(definitionOf(fields), timeZone, window).map((occurrence) => {
    const startsAt = isoInZone(occurrence.start, timeZone);
    return { day: startsAt.slice(0, 10), starts_at: startsAt, ends_at: isoInZone(occurrence.end, timeZone) };
  });
}

/** The time columns plages and absences share (absences add end_day). */
const TIME_COLUMNS = `first_day::text AS first_day, start_time, end_time, recurrence, until::text AS until, exdates::text[] AS exdates`;

export const agentAgendaRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/agenda', tag: 'plages_ouverture', access: 'agent',
    summary: "One agent's agenda from one day to another (?agent_id=&from=&to=, the signed-in agent's by default), expanded: "
      + 'plage and absence occurrences, rdvs in the organisation, and the days holidays and closures close',
    async handle({ actor, params, query, platform }) {
      requireMember(actor, params.org);
      const agent = await agendaOwner(actor, params.org, query.agent_id);
      const settings = await loadSearchSettings(platform.schemas);
      const { timeZone } = settings;
      const window = searchWindow(query.from, query.to, timeZone);
      const from = query.from!;
      const to = query.to!;

      const plages: PlageRow[] = await tx().query(
        `SELECT p.id, p.title, p.lieu_id, l.name AS lieu_name, ${TIME_COLUMNS},
                coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', m.name) ORDER BY m.name)
                            FROM motifs m WHERE m.id = ANY(p.motif_ids)), '[]') AS motifs
           FROM plages_ouverture p JOIN lieux l ON l.id = p.lieu_id
          WHERE p.organisation_id = $1 AND p.agent_id = $2 AND p.first_day <= $4::date + 1 AND p.last_day >= $3::date - 1
          ORDER BY p.start_time, p.id`,
        [params.org, agent.id, from, to],
      );
      const absences: AbsenceRow[] = await tx().query(
        `SELECT id, title, end_day::text AS end_day, ${TIME_COLUMNS} FROM absences
          WHERE agent_id = $1 AND first_day <= $3::date + 1 AND last_day >= $2::date - 1 ORDER BY start_time, id`,
        [agent.id, from, to],
      );
      const rdvs: RdvRow[] = await tx().query(
        `SELECT r.id, r.starts_at, r.ends_at, r.status, r.collectif, r.name, r.motif_id, m.name AS motif_name, r.lieu_id,
                coalesce((SELECT json_agg(concat_ws(' ', u.first_name, u.last_name) ORDER BY p.created_at)
                            FROM participations p JOIN users u ON u.id = p.user_id
                           WHERE p.rdv_id = r.id AND p.status NOT IN ('excused', 'revoked')), '[]') AS usager_names
           FROM rdvs r JOIN motifs m ON m.id = r.motif_id
          WHERE r.organisation_id = $1 AND r.status <> 'pending' AND r.ends_at > $3 AND r.starts_at < $4
            AND EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.rdv_id = r.id AND ra.agent_id = $2)
          ORDER BY r.starts_at, r.id`,
        [params.org, agent.id, new Date(window.start), new Date(window.end)],
      );
      const closures: { id: string; first_day: string; end_day: string; lieu_id: string | null; lieu_name: string | null; reason: string | null }[] =
        await tx().query(
          `SELECT c.id, c.first_day::text AS first_day, c.end_day::text AS end_day, c.lieu_id, l.name AS lieu_name, c.reason
             FROM closures c LEFT JOIN lieux l ON l.id = c.lieu_id
            WHERE c.organisation_id = $1 AND c.first_day <= $3::date AND c.end_day >= $2::date ORDER BY c.first_day, c.id`,
          [params.org, from, to],
        );
      const reopened = new Set(settings.holidays.reopened);

      return {
        agent_id: agent.id,
        from,
        to,
        time_zone: timeZone,
        can_write_plages: canWritePlagesOf(actor, agent.id, params.org),
        can_write_absences: canWriteAbsencesOf(actor, agent),
        plages: plages.flatMap((plage) => occurrencesOf(plage, timeZone, window).map((occurrence) => ({
          plage_ouverture_id: plage.id,
          title: plage.title,
          recurring: Boolean(plage.recurrence),
          lieu: { id: plage.lieu_id, name: plage.lieu_name },
          motifs: plage.motifs,
          ...occurrence,
        }))),
        absences: absences.flatMap((absence) => occurrencesOf(absence, timeZone, window).map((occurrence) => ({
          absence_id: absence.id,
          title: absence.title,
          recurring: Boolean(absence.recurrence),
          ...occurrence,
        }))),
        rdvs: rdvs.map((rdv) => ({
          id: rdv.id,
          starts_at: isoInZone(rdv.starts_at.getTime(), timeZone),
          ends_at: isoInZone(rdv.ends_at.getTime(), timeZone),
          status: rdv.status,
          motif: { id: rdv.motif_id, name: rdv.motif_name },
          lieu_id: rdv.lieu_id,
          collectif: rdv.collectif,
          name: rdv.name,
          usager_names: rdv.usager_names,
        })),
        holidays: publicHolidays(settings.holidays.zone, from, to).filter((holiday) => !reopened.has(holiday.date)),
        closures,
      };
    },
  }),
];
