/**
 * An organisation's or a territory's figures over a period (issue 20, INTEGRATIONS.md §4):
 * every figure is a GROUP BY in PostgreSQL over the period's rows, read through the
 * (organisation or territory, starts_at / created_at) indexes, in the caller's tenant
 * transaction; JavaScript only shapes the few grouped rows. Weeks start on Monday in the
 * territory's time zone and are named by that Monday (YYYY-MM-DD).
 */
import { DateTime } from 'luxon';
import { territoryTimeZone } from '../agenda/definitions';
import { localDaysWindow } from '../agenda/time';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { serviceName } from '../services/catalogue';
import { RDV_STATUSES } from '../booking/rdv.entity';

/** A year and a little: a territory's year of statistics is the heaviest question asked. */
const MAX_PERIOD_DAYS = 400;
const DEFAULT_PERIOD_DAYS = 90;

/** Whose figures: one organisation, or the whole territory (optionally narrowed to one organisation). */
export type StatisticsScope = { organisationId: string } | { territoryId: string };

export interface StatisticsFilters {
  motifId: string | null;
  lieuId: string | null;
  agentId: string | null;
  service: string | null;
  organisationId: string | null;
}

export interface StatisticsQuery {
  from: string;
  to: string;
  zone: string;
  start: Date;
  end: Date;
  filters: StatisticsFilters;
}

function readId(raw: string | undefined, name: string): string | null {
  if (raw === undefined || raw === '') return null;
  if (!isUuid(raw)) throw new AppError('malformed', `${name} must be an id`, [{ path: name, message: 'must be an id' }]);
  return raw;
}

/** `from`/`to` are inclusive local days (the last 90 days to today by default); filters are optional. */
export async function readStatisticsQuery(query: Record<string, string | undefined>, today: Date): Promise<StatisticsQuery> {
  const zone = await territoryTimeZone();
  const todayLocal = DateTime.fromJSDate(today, { zone });
  const to = query.to || todayLocal.toISODate()!;
  const from = query.from || DateTime.fromISO(to, { zone }).minus({ days: DEFAULT_PERIOD_DAYS - 1 }).toISODate() || to;
  const window = localDaysWindow(from, to, zone);
  if (window.end - window.start > (MAX_PERIOD_DAYS + 1) * 86_400_000) {
    throw AppError.invalid('The period is too long', [{ path: 'to', message: `must be at most ${MAX_PERIOD_DAYS} days after from` }]);
  }
  return {
    from, to, zone,
    start: new Date(window.start),
    end: new Date(window.end),
    filters: {
      motifId: readId(query.motif_id, 'motif_id'),
      lieuId: readId(query.lieu_id, 'lieu_id'),
      agentId: readId(query.agent_id, 'agent_id'),
      service: query.service || null,
      organisationId: readId(query.organisation_id, 'organisation_id'),
    },
  };
}

/**
 * The rdvs a figure counts, as SQL over `rdvs r`: the scope first (the indexed column),
 * then the filters. Parameters $1..$6; callers add theirs from $7.
 */
function rdvScope(scope: StatisticsScope, filters: StatisticsFilters): { where: string; parameters: unknown[] } {
  const byOrganisation = 'organisationId' in scope;
  return {
    where: `${byOrganisation ? 'r.organisation_id = $1' : 'r.territory_id = $1'} AND r.status <> 'pending'
      AND ($2::uuid IS NULL OR r.motif_id = $2) AND ($3::uuid IS NULL OR r.lieu_id = $3)
      AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.rdv_id = r.id AND ra.agent_id = $4))
      AND ($5::text IS NULL OR r.motif_id IN (SELECT sm.id FROM motifs sm WHERE sm.service_id = $5))
      AND ($6::uuid IS NULL OR r.organisation_id = $6)`,
    parameters: [
      byOrganisation ? scope.organisationId : scope.territoryId,
      filters.motifId, filters.lieuId, filters.agentId, filters.service, filters.organisationId,
    ],
  };
}

type Row = Record<string, any>;

/** Counts per status, every status present (0 when none), summed over the rows. */
function sumByStatus(rows: Row[]): Record<string, number> {
  const counts = Object.fromEntries(RDV_STATUSES.map((status) => [status, 0]));
  for (const row of rows) counts[row.status] += Number(row.count);
  return counts;
}

/** The share of due rdvs (not cancelled) the usager missed; null for a week with none due. */
function noshowRate(counts: Record<string, number>): number | null {
  const due = counts.unknown + counts.seen + counts.noshow;
  return due === 0 ? null : Math.round((counts.noshow / due) * 10_000) / 10_000;
}

/** How long before their rdv usagers booked, in buckets of days. */
const LEAD_TIME_BUCKETS = [
  { key: 'same_day', label: 'Le jour même', upToHours: 24 },
  { key: 'up_to_2_days', label: '1 à 2 jours', upToHours: 72 },
  { key: 'up_to_7_days', label: '3 à 7 jours', upToHours: 8 * 24 },
  { key: 'up_to_14_days', label: '8 à 14 jours', upToHours: 15 * 24 },
  { key: 'up_to_30_days', label: '15 à 30 jours', upToHours: 31 * 24 },
  { key: 'over_30_days', label: 'Plus de 30 jours', upToHours: null },
] as const;

export async function computeStatistics(scope: StatisticsScope, query: StatisticsQuery, now: Date, embedded: boolean) {
  const { where, parameters } = rdvScope(scope, query.filters);
  const period = [...parameters, query.start, query.end];
  const week = (column: string) => `date_trunc('week', ${column} AT TIME ZONE $9::text)::date`;

  // On PostgreSQL, a year's rows sorted and hashed in memory rather than in temporary files;
  // the embedded engine's memory is the platform's own (its bench target), so it keeps its default.
  if (!embedded) await tx().query(`SET LOCAL work_mem = '32MB'`);

  // The rdvs starting in the period, read once: counted by (week, status, past, lead-time
  // bucket), and over the whole period (the grouping set ()) for the median lead time.
  const leadTime = 'r.starts_at - r.created_at';
  const bucketCase = LEAD_TIME_BUCKETS.map((bucket, index) => bucket.upToHours === null
    ? `ELSE ${index}` : `WHEN ${leadTime} < interval '${bucket.upToHours} hours' THEN ${index}`).join(' ');
  const hours = `date_part('epoch', ${leadTime}) / 3600`;
  const whenTimed = 'FILTER (WHERE r.starts_at >= r.created_at)';
  const startedRows: Row[] = await tx().query(
    `SELECT to_char(${week('r.starts_at')}, 'YYYY-MM-DD') AS week, r.status, r.starts_at < $10 AS past,
            CASE WHEN r.starts_at < r.created_at THEN NULL ${bucketCase} END AS bucket,
            count(*)::int AS count, count(*) ${whenTimed}::int AS timed, coalesce(sum(${hours}) ${whenTimed}, 0)::float AS hours,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours}) ${whenTimed} AS median_hours, GROUPING(r.status) AS whole_period
       FROM rdvs r WHERE ${where} AND r.starts_at >= $7 AND r.starts_at < $8
      GROUP BY GROUPING SETS ((${week('r.starts_at')}, 2, 3, 4), ())
      ORDER BY 1, 2`,
    [...period, query.zone, now]);
  const started = startedRows.filter((row) => !row.whole_period);
  const medianHours = startedRows.find((row) => row.whole_period)?.median_hours ?? null;

  const participationStatuses: Row[] = await tx().query(
    `SELECT p.status, count(*)::int AS count FROM rdvs r JOIN participations p ON p.rdv_id = r.id
      WHERE ${where} AND r.starts_at >= $7 AND r.starts_at < $8 GROUP BY p.status`, period);

  // The rdvs booked in the period, read once and counted per week, origin, motif and author;
  // the few counts are then grouped by origin, service, motif, modalité and author.
  const created: Row[] = await tx().query(
    `WITH g AS (
       SELECT ${week('r.created_at')} AS week, r.created_by, r.motif_id, r.created_by_agent_id, count(*)::int AS count
         FROM rdvs r WHERE ${where} AND r.created_at >= $7 AND r.created_at < $8 GROUP BY 1, 2, 3, 4)
     SELECT to_char(g.week, 'YYYY-MM-DD') AS week, g.created_by AS origin, m.service_id AS service, m.id AS motif_id,
            min(m.name) AS motif_name, m.location_type, g.created_by_agent_id AS agent_id, sum(g.count)::int AS count,
            GROUPING(g.created_by) AS no_origin, GROUPING(m.service_id) AS no_service, GROUPING(m.id) AS no_motif,
            GROUPING(m.location_type) AS no_location_type
       FROM g JOIN motifs m ON m.id = g.motif_id
      GROUP BY GROUPING SETS ((g.week, g.created_by), (g.week, m.service_id), (g.week, m.id), (g.week, m.location_type), (g.created_by_agent_id))
      ORDER BY 1, 2, 3, 5, 6`, [...period, query.zone]);

  // A territory's notifications need no rdv unless a filter names what the rdv must be; the
  // territory is a value (never a function called per row), read from the covering index only.
  const unfiltered = !('organisationId' in scope) && Object.values(query.filters).every((value) => value === null);
  const notifications: Row[] = await tx().query(unfiltered
    ? `SELECT n.event, n.channel, n.status, count(*)::int AS count FROM notification_receipts n
        WHERE n.territory_id = $1 AND n.created_at >= $2 AND n.created_at < $3 AND n.rdv_id IS NOT NULL
        GROUP BY n.event, n.channel, n.status ORDER BY n.event, n.channel, n.status`
    : `SELECT n.event, n.channel, n.status, count(*)::int AS count
         FROM notification_receipts n JOIN rdvs r ON r.id = n.rdv_id
        WHERE n.territory_id = (SELECT current_territory_id()) AND n.created_at >= $7 AND n.created_at < $8 AND ${where}
        GROUP BY n.event, n.channel, n.status ORDER BY n.event, n.channel, n.status`,
  unfiltered ? [parameters[0], query.start, query.end] : period);

  const organisationOnly = 'organisationId' in scope ? scope.organisationId : query.filters.organisationId;
  const agents: Row[] = await tx().query(
    `WITH members AS (
       SELECT a.id, a.first_name, a.last_name, a.email, a.password_hash IS NOT NULL AS joined, a.last_seen_at
         FROM agents a
        WHERE a.deleted_at IS NULL
          AND ($9::uuid IS NULL OR EXISTS (SELECT 1 FROM agent_roles ar WHERE ar.agent_id = a.id AND ar.organisation_id = $9))),
     worked AS (
       SELECT ra.agent_id, count(*)::int AS rdvs_count,
              count(*) FILTER (WHERE r.status = 'seen')::int AS seen_count,
              count(*) FILTER (WHERE r.status = 'noshow')::int AS noshow_count
         FROM rdvs r JOIN rdv_agents ra ON ra.rdv_id = r.id
        WHERE ${where} AND r.starts_at >= $7 AND r.starts_at < $8 GROUP BY ra.agent_id),
     open AS (
       SELECT DISTINCT p.agent_id FROM plages_ouverture p
        WHERE ($9::uuid IS NULL OR p.organisation_id = $9) AND p.last_day >= $10::date
          AND EXISTS (SELECT 1 FROM motifs om WHERE om.id = ANY(p.motif_ids) AND om.bookable_by <> 'agents'))
     SELECT mb.id, mb.first_name, mb.last_name, mb.email, mb.joined, mb.last_seen_at >= $7 AS active,
            (open.agent_id IS NOT NULL) AS open_online,
            coalesce(w.rdvs_count, 0) AS rdvs_count, coalesce(w.seen_count, 0) AS seen_count, coalesce(w.noshow_count, 0) AS noshow_count
       FROM members mb LEFT JOIN worked w ON w.agent_id = mb.id LEFT JOIN open ON open.agent_id = mb.id
      ORDER BY coalesce(w.rdvs_count, 0) DESC, mb.last_name NULLS LAST, mb.first_name, mb.id`,
    [...period, organisationOnly, query.from]);
  const createdBy = new Map(created.filter((row) => row.no_origin && row.no_service && row.no_motif && row.no_location_type && row.agent_id)
    .map((row) => [row.agent_id as string, Number(row.count)]));
  const timed = started.reduce((sum, row) => sum + Number(row.timed), 0);

  return {
    from: query.from,
    to: query.to,
    timezone: query.zone,
    rdvs_by_status: sumByStatus(started),
    participations_by_status: sumByStatus(participationStatuses),
    created_per_week: createdPerWeek(created),
    past_per_week: weekly(started.filter((row) => row.past)),
    lead_time: {
      average_days: timed === 0 ? null : hoursToDays(started.reduce((sum, row) => sum + Number(row.hours), 0) / timed),
      median_days: hoursToDays(medianHours),
      buckets: LEAD_TIME_BUCKETS.map((bucket, index) => ({
        bucket: bucket.key, label: bucket.label,
        count: started.filter((row) => row.bucket !== null && Number(row.bucket) === index).reduce((sum, row) => sum + Number(row.count), 0),
      })),
    },
    notifications: notifications.map((row) => ({ event: row.event, channel: row.channel, status: row.status, count: Number(row.count) })),
    agents: {
      total: agents.length,
      invited: agents.filter((agent) => agent.email !== null && !agent.joined).length,
      active: agents.filter((agent) => agent.active === true).length,
      open_online: agents.filter((agent) => agent.open_online).length,
      activity: agents.map((agent) => ({
        agent_id: agent.id,
        name: [agent.first_name, agent.last_name].filter(Boolean).join(' ') || agent.email,
        rdvs_count: Number(agent.rdvs_count),
        seen_count: Number(agent.seen_count),
        noshow_count: Number(agent.noshow_count),
        created_count: createdBy.get(agent.id) ?? 0,
      })),
    },
  };
}

function hoursToDays(hours: unknown): number | null {
  return hours === null || hours === undefined ? null : Math.round((Number(hours) / 24) * 10) / 10;
}

/** Past rdvs: one row per week, every status counted, with the week's no-show rate. */
function weekly(rows: Row[]) {
  const weeks = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const counts = weeks.get(row.week) ?? Object.fromEntries(RDV_STATUSES.map((status) => [status, 0]));
    counts[row.status] += Number(row.count);
    weeks.set(row.week, counts);
  }
  return [...weeks].map(([week, counts]) => ({
    week, ...counts, total: Object.values(counts).reduce((sum, count) => sum + count, 0), noshow_rate: noshowRate(counts),
  }));
}

/** The grouping sets' rows, one list per grouping, each row a week and a key. */
function createdPerWeek(rows: Row[]) {
  const result = {
    by_origin: [] as { week: string; origin: string; count: number }[],
    by_service: [] as { week: string; service: string; service_name: string; count: number }[],
    by_motif: [] as { week: string; motif_id: string; motif_name: string; count: number }[],
    by_location_type: [] as { week: string; location_type: string; count: number }[],
  };
  for (const row of rows) {
    const count = Number(row.count);
    if (!row.no_origin) result.by_origin.push({ week: row.week, origin: row.origin, count });
    else if (!row.no_service) result.by_service.push({ week: row.week, service: row.service, service_name: serviceName(row.service), count });
    else if (!row.no_motif) result.by_motif.push({ week: row.week, motif_id: row.motif_id, motif_name: row.motif_name, count });
    else if (!row.no_location_type) result.by_location_type.push({ week: row.week, location_type: row.location_type, count });
  }
  return result;
}
