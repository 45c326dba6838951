/**
 * Rdvs « déprogrammés » (6tzen): when a plage d'ouverture is changed or deleted,
 * the online rdvs it held that no plage of the agent holds any more. Which ones
 * is decided by the agenda loader, as créneaux are (closures cut out); the
 * caller takes the rdvs before the change and asks again after it, in the same
 * transaction. Rdvs an agent placed by hand stay: the agent chose that time.
 */
import { territoryTimeZone } from '../agenda/definitions';
import { DAY_MS } from '../agenda/time';
import { tx } from '../db/database';
import type { Platform } from '../platform';
import { loadSearchSettings } from '../scheduling/search';
import { loadSnapshot } from '../scheduling/snapshot';
import { spreadStatus } from './agent-booking';
import { Acting, loadRdvRecords, recordRdvChange, saveStatus, snapshot } from './rdvs';

/** The public books at most a year ahead (a motif's max_public_booking_delay), so online rdvs lie within this. */
const ONLINE_BOOKING_HORIZON_MS = 366 * DAY_MS;

/** Whose agenda a plage change touches: the plage's agent, at its lieu, for its motifs. */
export interface PlageScope {
  organisationId: string;
  agentId: string;
  lieuId: string;
  motifIds: readonly string[];
}

export interface OnlineRdv {
  id: string;
  motif_id: string;
  start_ms: number;
  end_ms: number;
}

/** Those of `rdvs` that a plage occurrence of the agent at the lieu, open to their motif, holds whole. */
async function heldByPlages(scope: PlageScope, rdvs: OnlineRdv[], platform: Platform): Promise<OnlineRdv[]> {
  if (rdvs.length === 0) return [];
  const window = {
    start: Math.min(...rdvs.map((rdv) => rdv.start_ms)),
    end: Math.max(...rdvs.map((rdv) => rdv.end_ms)),
  };
  const agenda = await loadSnapshot({
    organisationIds: [scope.organisationId],
    motifIds: scope.motifIds,
    lieuId: scope.lieuId,
    agentIds: [scope.agentId],
    // The organisation's own view of the agenda: plages at a lieu closed to the public count too.
    searcher: { agentId: scope.agentId, services: [], wholeOrganisationIds: [scope.organisationId] },
  }, window, await loadSearchSettings(platform.schemas));
  return rdvs.filter((rdv) => agenda.plages.some((plage) =>
    plage.agentId === scope.agentId && plage.lieuId === scope.lieuId && plage.motifIds.includes(rdv.motif_id)
      && plage.start <= rdv.start_ms && rdv.end_ms <= plage.end));
}

/** The agent's future online rdvs (booked by an usager or a prescripteur, still to come) that the plages hold now. */
export async function onlineRdvsInPlages(scope: PlageScope, platform: Platform): Promise<OnlineRdv[]> {
  const now = platform.clock.now();
  const rdvs: OnlineRdv[] = await tx().query(
    `SELECT r.id, r.motif_id, extract(epoch FROM r.starts_at)::float8 * 1000 AS start_ms, extract(epoch FROM r.ends_at)::float8 * 1000 AS end_ms
       FROM rdvs r
       JOIN rdv_agents ra ON ra.rdv_id = r.id AND ra.agent_id = $1
      WHERE r.organisation_id = $2 AND r.lieu_id = $3 AND r.motif_id = ANY($4::uuid[])
        AND r.status = 'unknown' AND r.created_by IN ('user', 'prescripteur')
        AND r.starts_at > $5 AND r.starts_at < $6
      ORDER BY r.starts_at, r.id`,
    [scope.agentId, scope.organisationId, scope.lieuId, scope.motifIds, now, new Date(now.getTime() + ONLINE_BOOKING_HORIZON_MS)],
  );
  return heldByPlages(scope, rdvs.map((rdv) => ({ ...rdv, start_ms: Number(rdv.start_ms), end_ms: Number(rdv.end_ms) })), platform);
}

/** Those of `before` (onlineRdvsInPlages before a change) that no plage holds after it. */
export async function rdvsLeftOutsidePlages(scope: PlageScope, before: OnlineRdv[], platform: Platform): Promise<OnlineRdv[]> {
  const held = new Set((await heldByPlages(scope, before, platform)).map((rdv) => rdv.id));
  return before.filter((rdv) => !held.has(rdv.id));
}

/**
 * Revokes the rdvs as the service (their usagers with them), each with its
 * history and its `rdv_unscheduled` event: the usagers are told the rdv is
 * déprogrammé, with a calendar cancellation.
 */
export async function unscheduleRdvs(rdvIds: string[], acting: Acting, platform: Platform): Promise<void> {
  const at = platform.clock.now();
  const zone = await territoryTimeZone();
  for (const record of await loadRdvRecords(rdvIds, { lock: true })) {
    if (record.rdv.status !== 'unknown') continue; // changed meanwhile: no longer to come
    const before = snapshot(record);
    await saveStatus(record.rdv, 'revoked', at);
    await spreadStatus(record, 'revoked', at);
    const [after] = await loadRdvRecords([record.rdv.id]);
    await recordRdvChange(before, after, 'rdv_unscheduled', acting, at, zone);
  }
}
