/**
 * Fermetures exceptionnelles: whole days an organisation, or one of its lieux,
 * gives no créneaux (public holidays close the territory's days without these).
 */
import { currentTerritoryId, tx } from '../db/database';
import { AppError, FieldError } from '../errors';
import { recordEvent } from '../events/outbox';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { Closure } from './agenda.entity';
import { parseDay } from './time';

interface ClosureInput {
  first_day: string;
  end_day: string;
  lieu_id?: string | null;
  reason?: string | null;
}

interface ClosureRow extends ClosureInput {
  id: string;
  organisation_id: string;
  lieu_id: string | null;
  created_at: Date;
}

/** A closure covers at most this many days: longer, and the organisation should end its plages instead. */
const MAX_CLOSURE_DAYS = 366;

const CLOSURE_COLUMNS = `id, organisation_id, lieu_id, first_day::text AS first_day, end_day::text AS end_day, reason, created_at`;

function closureJson(closure: ClosureRow) {
  return {
    id: closure.id,
    organisation_id: closure.organisation_id,
    lieu_id: closure.lieu_id,
    first_day: closure.first_day,
    end_day: closure.end_day,
    reason: closure.reason ?? null,
    created_at: closure.created_at,
  };
}

async function checkClosure(input: ClosureInput, organisationId: string): Promise<void> {
  const errors: FieldError[] = [];
  const first = parseDay(input.first_day)!;
  const end = parseDay(input.end_day)!;
  if (end < first) errors.push({ path: 'end_day', message: 'must not be before first_day' });
  else if (end - first >= MAX_CLOSURE_DAYS) errors.push({ path: 'end_day', message: `a closure covers at most ${MAX_CLOSURE_DAYS} days` });
  if (input.lieu_id) {
    const [lieu] = await tx().query(`SELECT id FROM lieux WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL`, [input.lieu_id, organisationId]);
    if (!lieu) errors.push({ path: 'lieu_id', message: 'is not a lieu of this organisation' });
  }
  if (errors.length > 0) throw AppError.invalid('The closure is invalid', errors);
}

export const closureRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/closures', tag: 'closures', access: 'agent',
    summary: "The organisation's exceptional closures, by first day (?from=&to= keep those that touch these days)",
    async handle({ actor, params, query }) {
      requireMember(actor, params.org);
      const page = readPage(query);
      for (const name of ['from', 'to'] as const) {
        if (query[name] !== undefined && parseDay(query[name]!) === null) {
          throw new AppError('malformed', `${name} must be a date YYYY-MM-DD`, [{ path: name, message: 'must be a date YYYY-MM-DD' }]);
        }
      }
      const rows: (ClosureRow & { total_count: string })[] = await tx().query(
        `SELECT ${CLOSURE_COLUMNS}, count(*) OVER () AS total_count FROM closures
          WHERE organisation_id = $1 AND ($2::date IS NULL OR end_day >= $2) AND ($3::date IS NULL OR first_day <= $3)
          ORDER BY first_day, id LIMIT $4 OFFSET $5`,
        [params.org, query.from ?? null, query.to ?? null, page.per_page, (page.page - 1) * page.per_page],
      );
      return listBody(rows.map(closureJson), page, Number(rows[0]?.total_count ?? 0));
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/closures', tag: 'closures', access: 'agent',
    body: 'api/closure.json', status: 201,
    summary: 'Close the organisation, or one of its lieux, for whole days (its admins)',
    async handle({ actor, params, body }) {
      requireOrganisationAdmin(actor, params.org);
      const input = body as ClosureInput;
      await checkClosure(input, params.org);
      const inserted = await tx().insert(Closure, {
        territory_id: currentTerritoryId(),
        organisation_id: params.org,
        lieu_id: input.lieu_id ?? null,
        first_day: input.first_day,
        end_day: input.end_day,
        reason: input.reason ?? null,
      });
      const [closure] = await tx().query(`SELECT ${CLOSURE_COLUMNS} FROM closures WHERE id = $1`, [inserted.identifiers[0].id]);
      await recordEvent('closure', 'created', closureJson(closure), { organisationId: params.org, actorAgentId: actor.agentId });
      return closureJson(closure);
    },
  }),
  route({
    method: 'delete', path: '/api/v1/closures/:id', tag: 'closures', access: 'agent',
    summary: 'Reopen: delete an exceptional closure (admins of its organisation)',
    async handle({ actor, params }) {
      const [closure]: ClosureRow[] = isUuid(params.id)
        ? await tx().query(`SELECT ${CLOSURE_COLUMNS} FROM closures WHERE id = $1`, [params.id])
        : [];
      if (!closure) throw AppError.notFound('Closure');
      requireOrganisationAdmin(actor, closure.organisation_id);
      await tx().delete(Closure, { id: closure.id });
      await recordEvent('closure', 'destroyed', closureJson(closure), { organisationId: closure.organisation_id, actorAgentId: actor.agentId });
      return undefined;
    },
  }),
];
