/**
 * The usager's self-service from the link of their notifications: once they
 * type the first 3 letters of their last name (5 wrong tries, then a pause),
 * they see the recap, may cancel until the motif's deadline and move the rdv
 * to another créneau of the same motif when the rules allow it.
 */
import { territoryTimeZone } from '../agenda/definitions';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { ApiRequest } from '../http/route';
import { checkBooking } from '../plugins/checks';
import { spreadStatus } from './agent-booking';
import { AttemptCounter } from './attempts';
import { publicCreneauAt } from './availability';
import type { SignedInUsager } from './holds';
import { idempotent } from './idempotency';
import { checkLastNamePrefix, LINK_GRACE_MS, resolveLink } from './links';
import { setParticipationStatus } from './participations';
import { Rdv } from './rdv.entity';
import { Acting, loadRdvRecords, recordRdvChange, saveStatus, slotTaken, snapshot, writeAgentTime } from './rdvs';
import { cancelRefusal, loadUsagerView, moveRefusal, recapJson, UsagerView } from './recap';

const REFUSALS: Record<string, string> = {
  already_cancelled: 'This rdv is already cancelled',
  not_cancellable_online: 'This rdv cannot be cancelled online: contact the organisation',
  too_late: 'It is too late to do this online: contact the organisation',
  not_movable_online: 'This rdv cannot be moved online: contact the organisation',
  booked_by_agent: 'An rdv booked by an agent is moved by the organisation: contact it',
};

function refuse(reason: string): never {
  if (reason === 'already_cancelled') throw AppError.conflict(REFUSALS[reason]);
  throw AppError.forbidden(REFUSALS[reason]);
}

interface LinkStep {
  view: UsagerView;
  zone: string;
  now: Date;
  acting: Acting;
}

/**
 * Opens the rdv of a self-service link for `action`, in its territory's
 * transaction: 404 for an unknown link, 410 once the rdv is over, the letters
 * checked (and counted when wrong) before anything is shown or changed.
 */
export async function withLink<T>(
  request: ApiRequest<'public'>,
  token: string,
  lastNamePrefix: string | undefined,
  action: (step: LinkStep) => Promise<T>,
  options: { lock?: boolean } = {},
): Promise<T> {
  const { platform } = request;
  const link = await resolveLink(platform, token);
  return new AttemptCounter(platform, `rdv_link:${link.tokenHash}`).guard(request.koa, () =>
    platform.db.tenant(link.territoryId, async () => {
      const now = platform.clock.now();
      const view = await loadUsagerView(link.participationId, options);
      if (now.getTime() > view.record.rdv.ends_at.getTime() + LINK_GRACE_MS) throw new AppError('gone', 'This link has expired: the rdv is over');
      checkLastNamePrefix(view.user.last_name, lastNamePrefix);
      const acting: Acting = { type: 'user', agentId: null, userId: view.user.id };
      return action({ view, zone: await territoryTimeZone(), now, acting });
    }));
}

/** POST /api/public/rdvs/{token}/open {last_name_prefix}. */
export async function showRecap(request: ApiRequest<'public'>, token: string, body: { last_name_prefix: string }) {
  return withLink(request, token, body.last_name_prefix, async ({ view, zone, now }) => recapJson(view, zone, now));
}

/** The usager cancels their participation (excused) within the motif's rules; in a collectif session they leave it, the session goes on. */
async function cancelStep({ view, zone, now, acting }: LinkStep) {
  const reason = cancelRefusal(view, now);
  if (reason) refuse(reason);
  const before = snapshot(view.record);
  const { rdv } = view.record;
  let eventReason;
  if (rdv.collectif) {
    eventReason = await setParticipationStatus(view.record, view.participation.id, 'excused', acting, now);
  } else {
    await saveStatus(rdv, 'excused', now);
    await spreadStatus(view.record, 'excused', now);
    eventReason = 'rdv_cancelled_by_user' as const;
  }
  const [after] = await loadRdvRecords([rdv.id]);
  await recordRdvChange(before, after, eventReason, acting, now, zone, { userId: view.user.id });
  return recapJson(await loadUsagerView(view.participation.id), zone, now);
}

/** POST /api/public/rdvs/{token}/cancel: from the self-service link. */
export async function cancelByUsager(request: ApiRequest<'public'>, token: string, body: { last_name_prefix: string }) {
  return withLink(request, token, body.last_name_prefix, cancelStep, { lock: true });
}

/**
 * POST /api/public/me/rdvs/{id}/cancel: a signed-in usager cancels one of their rdvs (one of
 * a fiche with the account's email, in any territory), by the same rules; 404 for any other.
 */
export async function cancelMine(request: ApiRequest<'public'>, usager: SignedInUsager, rdvId: string) {
  const { platform } = request;
  const [mine] = isUuid(rdvId)
    ? await platform.db.system(() => tx().query(
      `SELECT p.id, p.territory_id FROM participations p JOIN users u ON u.id = p.user_id
        WHERE p.rdv_id = $1 AND lower(u.email) = lower($2) AND u.deleted_at IS NULL ORDER BY p.id LIMIT 1`, [rdvId, usager.email]))
    : [];
  if (!mine) throw AppError.notFound('Rdv');
  return platform.db.tenant(mine.territory_id, async () => {
    const view = await loadUsagerView(mine.id, { lock: true });
    const acting: Acting = { type: 'user', agentId: null, userId: view.user.id };
    return cancelStep({ view, zone: await territoryTimeZone(), now: platform.clock.now(), acting });
  });
}

/**
 * POST /api/public/rdvs/{token}/move: to another créneau of the same motif at the
 * same lieu, checked by the slot engine with the rdv's own time freed; the agent
 * may change (the créneau's). Plugins' checks see the move; `accept_warnings`
 * confirms what they warn of. Idempotency-Key honoured.
 */
export async function moveByUsager(request: ApiRequest<'public'>, token: string, body: { last_name_prefix: string; starts_at: string; accept_warnings?: boolean }) {
  return withLink(request, token, body.last_name_prefix, ({ view, zone, now, acting }) =>
    idempotent(request, `public:rdv_link:${view.participation.id}:move`, 200, async () => {
      const reason = moveRefusal(view, now);
      if (reason) refuse(reason);
      const { rdv } = view.record;
      const before = snapshot(view.record);
      const startsAt = new Date(body.starts_at);
      if (startsAt.getTime() === rdv.starts_at.getTime()) throw AppError.invalidField('starts_at', 'is the rdv\'s own time');
      // The rdv's own time is no obstacle to a créneau that overlaps it.
      await writeAgentTime(rdv, []);
      const slot = await publicCreneauAt({ organisationId: rdv.organisation_id, motif: view.motif, lieuId: rdv.lieu_id!, startsAt, platform: request.platform });
      if ('refusal' in slot) {
        if (slot.refusal === 'taken') throw slotTaken();
        throw AppError.invalidField('starts_at', 'is not a créneau of this motif at this lieu');
      }
      // Last before the rdv is written, as the dearest: the transaction stays open while plugins answer, each within its bounded time.
      await checkBooking(request.platform, {
        changes: ['moved'], channel: 'online', organisationId: rdv.organisation_id, rdvId: rdv.id, motif: view.motif, lieuId: rdv.lieu_id,
        startsAt, endsAt: new Date(slot.creneau.endsAt), customFields: rdv.custom_fields, timeZone: zone,
        usagers: [{ id: view.user.id, custom_fields: view.user.custom_fields, path: 'user.custom_fields' }],
      }, body.accept_warnings ?? false);
      Object.assign(rdv, { starts_at: startsAt, ends_at: new Date(slot.creneau.endsAt), sequence: rdv.sequence + 1, updated_at: now });
      await tx().save(Rdv, rdv);
      await writeAgentTime(rdv, [slot.creneau.agentId]);
      const [after] = await loadRdvRecords([rdv.id]);
      await recordRdvChange(before, after, 'rdv_updated', acting, now, zone, { userId: view.user.id });
      return recapJson(await loadUsagerView(view.participation.id), zone, now);
    }), { lock: true });
}
