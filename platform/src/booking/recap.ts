/**
 * What an usager sees of their rdv (the self-service page, the answer to a
 * confirmed online booking): date, lieu, instructions, the organisation's
 * contact, and whether they may still cancel or move it themselves.
 */
import { isoInZone } from '../agenda/iso';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { Lieu } from '../lieux/lieu.entity';
import { Motif } from '../motifs/motif.entity';
import { Organisation } from '../organisations/organisation.entity';
import { User } from '../usagers/user.entity';
import { Participation, PENDING } from './rdv.entity';
import { durationInMin, loadRdvRecords, RdvRecord } from './rdvs';
import { isCancelled } from './status-rules';

/** An usager moves an rdv themselves only more than this long before it. */
export const MOVE_NOTICE_MS = 2 * 24 * 3600_000;

export interface UsagerView {
  record: RdvRecord;
  participation: Participation;
  user: User;
  motif: Motif;
  lieu: Lieu | null;
  organisation: Organisation;
}

/** The rdv as one of its usagers sees it; 404 when it is not (or no longer) theirs. */
export async function loadUsagerView(participationId: string, options: { lock?: boolean } = {}): Promise<UsagerView> {
  const participation = await tx().findOneBy(Participation, { id: participationId });
  const [record] = participation ? await loadRdvRecords([participation.rdv_id], options) : [];
  const user = participation ? await tx().findOneBy(User, { id: participation.user_id }) : null;
  if (!participation || !record || record.rdv.status === PENDING || !user || user.deleted_at) throw AppError.notFound('Rdv');
  const motif = await tx().findOneByOrFail(Motif, { id: record.rdv.motif_id });
  const lieu = record.rdv.lieu_id ? await tx().findOneBy(Lieu, { id: record.rdv.lieu_id }) : null;
  const organisation = await tx().findOneByOrFail(Organisation, { id: record.rdv.organisation_id });
  return { record, participation, user, motif, lieu, organisation };
}

/** The usager's own status: their participation's in a collectif session, the rdv's otherwise. */
function usagerStatus(view: UsagerView): string {
  return view.record.rdv.collectif ? view.participation.status : view.record.rdv.status;
}

/** Why the usager may not cancel now, or null: the motif forbids it, or the motif's deadline (4 hours by default) has passed. */
export function cancelRefusal(view: UsagerView, now: Date): string | null {
  if (isCancelled(usagerStatus(view))) return 'already_cancelled';
  if (!view.motif.rdvs_cancellable_by_user) return 'not_cancellable_online';
  const deadline = view.record.rdv.starts_at.getTime() - view.motif.user_cancellation_deadline_in_hours * 3600_000;
  if (now.getTime() > deadline) return 'too_late';
  return null;
}

/**
 * Why the usager may not move the rdv to another créneau, or null: the motif must
 * allow it and be booked online, the rdv be more than 2 days away, individual,
 * at a lieu, and not booked by an agent.
 */
export function moveRefusal(view: UsagerView, now: Date): string | null {
  const { rdv } = view.record;
  if (isCancelled(usagerStatus(view))) return 'already_cancelled';
  if (!view.motif.rdvs_editable_by_user || view.motif.bookable_by === 'agents' || rdv.collectif || !rdv.lieu_id) return 'not_movable_online';
  if (rdv.created_by === 'agent') return 'booked_by_agent';
  if (rdv.starts_at.getTime() - now.getTime() <= MOVE_NOTICE_MS) return 'too_late';
  return null;
}

export function recapJson(view: UsagerView, zone: string, now: Date) {
  const { rdv } = view.record;
  const { motif, lieu, organisation } = view;
  const cancelReason = cancelRefusal(view, now);
  const moveReason = moveRefusal(view, now);
  return {
    id: rdv.id,
    status: usagerStatus(view),
    starts_at: isoInZone(rdv.starts_at.getTime(), zone),
    ends_at: isoInZone(rdv.ends_at.getTime(), zone),
    duration_in_min: durationInMin(rdv),
    collectif: rdv.collectif,
    name: rdv.name,
    motif: {
      id: motif.id,
      name: motif.name,
      location_type: motif.location_type,
      instruction_for_rdv: motif.instruction_for_rdv,
      rdvs_editable_by_user: motif.rdvs_editable_by_user,
      rdvs_cancellable_by_user: motif.rdvs_cancellable_by_user,
    },
    lieu: lieu ? { id: lieu.id, name: lieu.name, address: lieu.address, phone_number: lieu.phone_number } : null,
    organisation: {
      slug: organisation.slug,
      name: organisation.name,
      phone_number: organisation.phone_number,
      email: organisation.email,
      website: organisation.website,
      opening_hours: organisation.opening_hours,
    },
    usager: { first_name: view.user.first_name, last_name: view.user.last_name },
    cancellable: cancelReason === null,
    cancel_refusal_reason: cancelReason,
    cancellable_until: isoInZone(rdv.starts_at.getTime() - motif.user_cancellation_deadline_in_hours * 3600_000, zone),
    movable: moveReason === null,
    move_refusal_reason: moveReason,
  };
}
