import { DateTime } from 'luxon';
import { ApiError } from '../../api/client';
import type { Rdv, RdvStatus } from '../../api/types';
import { serverMessage } from '../../i18n';

/** The fiche's statuses: the API's, and `waiting` for an expected rdv whose usager has arrived. */
export type FicheStatus = RdvStatus | 'waiting';

export const FICHE_STATUSES: readonly FicheStatus[] = ['unknown', 'waiting', 'seen', 'noshow', 'excused', 'revoked'];
/** A collectif session is held, seen or cancelled as a whole (booking/status-rules.ts): its usagers excuse themselves one by one. */
export const COLLECTIF_STATUSES: readonly FicheStatus[] = ['unknown', 'waiting', 'seen', 'revoked'];

export function ficheStatus(rdv: Pick<Rdv, 'status' | 'arrived_at'>): FicheStatus {
  return rdv.status === 'unknown' && rdv.arrived_at ? 'waiting' : rdv.status;
}

/** The rdv's times in its own offset (the territory's), in French. */
export function local(iso: string): DateTime {
  return DateTime.fromISO(iso, { setZone: true }).setLocale('fr');
}

/** The refusal of a change made from a version of the rdv someone else has changed since. */
export function isStale(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.fieldErrors.some((problem) => problem.path === 'lock_version');
}

/**
 * What a 409 says stands in the way of a change the agent may confirm (force: true): the
 * agendas' warnings (`agent_ids.N`: outside a plage, over an absence or another rdv) and the
 * plugins' checks. Null for any other refusal.
 */
export function confirmable(error: unknown): { agenda: boolean; messages: string[] } | null {
  if (!(error instanceof ApiError) || error.status !== 409 || isStale(error)) return null;
  if (error.problem.detail !== 'The rdv needs your explicit confirmation (force: true)') return null;
  return {
    agenda: error.fieldErrors.every((problem) => problem.path.startsWith('agent_ids.')),
    messages: error.fieldErrors.map((problem) => serverMessage(problem.message)),
  };
}
