/**
 * The filters of the « Liste des RDV » (`?starts_after=&starts_before=&status=&agent_id=
 * &user_id=&motif_id=&lieu_id=&origin=`), read once and written as SQL over `rdvs r`: the
 * list pages them, exports (exports/) write every rdv they keep.
 */
import { parseDay, wallToUtc } from '../agenda/time';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { RDV_STATUSES } from './rdv.entity';

/** Who booked: an agent, the usager online, or a prescripteur for them (`?origin=`). */
export const ORIGINS = ['agent', 'user', 'prescripteur'] as const;

/** `starts_after` / `starts_before`: an instant, or a day of the territory (its midnight). */
function readBound(raw: string | undefined, name: string, zone: string): Date | null {
  if (raw === undefined || raw === '') return null;
  const day = parseDay(raw);
  const instant = day !== null ? new Date(wallToUtc(zone, day, 0)) : /^\d{4}-\d{2}-\d{2}T/.test(raw) ? new Date(raw) : null;
  if (!instant || Number.isNaN(instant.getTime())) {
    throw new AppError('malformed', `${name} must be a date or a date-time`, [{ path: name, message: 'must be a date or a date-time' }]);
  }
  return instant;
}

export function readId(raw: string | undefined, name: string): string | null {
  if (raw === undefined || raw === '') return null;
  if (!isUuid(raw)) throw new AppError('malformed', `${name} must be an id`, [{ path: name, message: 'must be an id' }]);
  return raw;
}

export function readChoice(raw: string | undefined, name: string, choices: readonly string[]): string | null {
  if (raw === undefined || raw === '') return null;
  if (!choices.includes(raw)) throw new AppError('malformed', `${name} must be one of: ${choices.join(', ')}`, [{ path: name, message: `must be one of: ${choices.join(', ')}` }]);
  return raw;
}

/** The filters' values in the order `rdvFilterSql` numbers them; malformed ones are refused with their name. */
export function readRdvFilters(query: Record<string, string | undefined>, zone: string): unknown[] {
  return [
    readBound(query.starts_after, 'starts_after', zone), readBound(query.starts_before, 'starts_before', zone),
    readChoice(query.status, 'status', RDV_STATUSES), readId(query.agent_id, 'agent_id'), readId(query.user_id, 'user_id'),
    readId(query.motif_id, 'motif_id'), readId(query.lieu_id, 'lieu_id'), readChoice(query.origin, 'origin', ORIGINS),
  ];
}

/** The filters as SQL over `rdvs r`, their values numbered from `$first` (eight of them). */
export function rdvFilterSql(first: number): string {
  const $ = (offset: number) => `$${first + offset}`;
  return `r.status <> 'pending'
    AND (${$(0)}::timestamptz IS NULL OR r.starts_at >= ${$(0)}) AND (${$(1)}::timestamptz IS NULL OR r.starts_at < ${$(1)})
    AND (${$(2)}::text IS NULL OR r.status = ${$(2)})
    AND (${$(3)}::uuid IS NULL OR EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.rdv_id = r.id AND ra.agent_id = ${$(3)}))
    AND (${$(4)}::uuid IS NULL OR EXISTS (SELECT 1 FROM participations p WHERE p.rdv_id = r.id AND p.user_id = ${$(4)}))
    AND (${$(5)}::uuid IS NULL OR r.motif_id = ${$(5)}) AND (${$(6)}::uuid IS NULL OR r.lieu_id = ${$(6)})
    AND (${$(7)}::text IS NULL OR r.created_by = ${$(7)})`;
}
