/**
 * The rules of rdv and participation statuses, as RDV Service Public applies them,
 * without I/O: the operations (booking/rdvs.ts, booking/participations.ts) ask here
 * what a change implies and write it.
 *
 * - unknown (à venir / à renseigner), seen (vu), noshow (absent) keep the agents' time;
 *   excused (annulé par l'usager) and revoked (annulé par le service) free it and
 *   set the cancellation time; back to unknown restores it.
 * - A collectif session takes only unknown, seen or revoked: its usagers excuse
 *   themselves one by one (their participation), the session goes on.
 * - The rdv's status reaches its participations; a participation's status reaches
 *   the rdv back (one seen usager makes the rdv seen).
 */
import { AppError } from '../errors';
import { CANCELLED_STATUSES, COLLECTIF_STATUSES, RdvStatus } from './rdv.entity';

export function isCancelled(status: string): boolean {
  return (CANCELLED_STATUSES as readonly string[]).includes(status);
}

/** Refuses a status the rdv cannot take. */
export function checkRdvStatus(status: RdvStatus, collectif: boolean): void {
  if (collectif && !COLLECTIF_STATUSES.includes(status)) {
    throw AppError.invalidField('status', `a collectif rdv takes only ${COLLECTIF_STATUSES.join(', ')}: usagers excuse themselves through their participation`);
  }
}

/** What a participation becomes when its rdv takes `rdvStatus`. */
export function participationStatusAfter(rdvStatus: RdvStatus, participationStatus: RdvStatus): RdvStatus {
  switch (rdvStatus) {
    case 'unknown':
      return 'unknown'; // an agent resets the rdv: every usager is expected again
    case 'excused':
    case 'revoked':
      return isCancelled(participationStatus) ? participationStatus : rdvStatus;
    case 'seen':
    case 'noshow':
      return participationStatus === 'unknown' ? rdvStatus : participationStatus;
  }
}

/**
 * What the rdv becomes after one of its participations changed: seen when any
 * usager was seen; while an usager is still expected, unchanged. When nobody is:
 * a collectif session is revoked once it has begun (a future session whose
 * usagers all left stays open for others); an individual rdv is a noshow if one
 * of them did not come, excused if they all excused themselves, else revoked.
 */
export function rdvStatusFromParticipations(
  current: RdvStatus,
  participations: readonly RdvStatus[],
  rdv: { collectif: boolean; started: boolean },
): RdvStatus {
  if (participations.includes('seen')) return 'seen';
  if (participations.length === 0 || participations.includes('unknown')) return current;
  if (rdv.collectif) return rdv.started ? 'revoked' : current;
  if (participations.includes('noshow')) return 'noshow';
  return participations.every((status) => status === 'excused') ? 'excused' : 'revoked';
}

export type ActorType = 'agent' | 'user' | 'prescripteur' | 'system';

/**
 * Why an rdv event happened, for consumers (notifications, webhooks'
 * `webhook_reason`): they decide whom to tell and what.
 */
export type RdvReason =
  | 'rdv_created'
  | 'rdv_updated'
  | 'rdv_cancelled_by_agent'
  | 'rdv_cancelled_by_user'
  /** Revoked by the service because a change of planning left it outside every plage (6tzen's « déprogrammé »). */
  | 'rdv_unscheduled'
  | 'rdv_restored'
  | 'rdv_noshow'
  | 'rdv_seen'
  | 'rdv_user_arrived'
  | 'rdv_participation_added'
  | 'rdv_participation_cancelled_by_user'
  | 'rdv_participation_removed'
  | 'rdv_destroyed';

/** The reason of a status change made by `actor`. */
export function statusChangeReason(from: RdvStatus, to: RdvStatus, actor: ActorType): RdvReason {
  if (isCancelled(to) && !isCancelled(from)) return actor === 'user' ? 'rdv_cancelled_by_user' : 'rdv_cancelled_by_agent';
  if (to === 'unknown' && isCancelled(from)) return 'rdv_restored';
  if (to === 'noshow') return 'rdv_noshow';
  if (to === 'seen') return 'rdv_seen';
  return 'rdv_updated';
}

/**
 * Whether the usager is told about a change, which then raises the rdv's
 * `sequence` (calendars replace an invitation only by a higher SEQUENCE): a new
 * time or place, a cancellation, a restored rdv.
 */
export function usagerIsTold(change: { moved: boolean; lieuChanged: boolean; from: RdvStatus; to: RdvStatus }): boolean {
  return change.moved || change.lieuChanged || isCancelled(change.from) !== isCancelled(change.to);
}
