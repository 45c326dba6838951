/**
 * Online booking (usagers and prescripteurs, no agent token).
 *
 * Without a signed-in account, a booking is a hold: the créneau is taken at once
 * (a `pending` rdv in the agent's agenda, or a seat of a collectif session) and a
 * 6-digit code goes to the booker's email (an outbox event `rdv_hold` the
 * notifications send); the code confirms it within HOLD_MS, which writes the
 * usager's fiche, the participation and the rdv's `created` event. An expired
 * hold frees the time: bookings purge their territory's expired holds before
 * taking time, and the maintenance job purges everyone's.
 *
 * An usager signed in to a verified account books at once (their email is known).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { territoryTimeZone } from '../agenda/definitions';
import { isoInZone } from '../agenda/iso';
import { hashToken } from '../auth/secrets';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent, sealEventSecret } from '../events/outbox';
import { loadForm } from '../forms/forms';
import type { FicheValues } from '../forms/effective-form';
import { isUuid } from '../http/ids';
import { ApiRequest, Reply } from '../http/route';
import { chosenOption, Motif, MotifOption, timedByOption } from '../motifs/motif.entity';
import type { Platform } from '../platform';
import { checkBooking } from '../plugins/checks';
import { isPrivateAddress } from '../plugins/http-client';
import { checkLieu, publicMotif } from '../scheduling/search';
import { contactProblem, insertParticipations } from './agent-booking';
import { AttemptCounter, wrongGuess } from './attempts';
import { publicCreneauAt } from './availability';
import { passChallengeGate } from './challenges';
import { CertifiedIdentity, certifiedFieldErrors } from './franceconnect';
import { idempotent } from './idempotency';
import { issueRdvLink, LINK_GRACE_MS } from './links';
import { join } from './participations';
import { usagerFor } from './public-usagers';
import { PENDING, PrescripteurIdentity, Rdv, RdvHold } from './rdv.entity';
import { Acting, findRdv, loadRdvRecords, recordRdvChange, seatsTaken, slotTaken, snapshot, writeAgentTime } from './rdvs';
import { loadUsagerView, recapJson } from './recap';

/** How long a créneau is held for the code to come back. */
export const HOLD_MS = 10 * 60_000;
/** Unconfirmed holds one email may have at once: nobody blocks an agenda with unconfirmed bookings. */
const MAX_PENDING_HOLDS_PER_EMAIL = 3;
/** Unconfirmed holds one network may have at once, and holds it may take in an hour (a counter's prescripteur included). */
const MAX_PENDING_HOLDS_PER_NETWORK = 10;
const MAX_HOLDS_PER_NETWORK_PER_HOUR = 30;
/** From this many unconfirmed holds in an organisation (a flood, or a rush), new ones are held for less. */
export const ORGANISATION_PRESSURE_HOLDS = 50;
export const SHORT_HOLD_MS = 4 * 60_000;

/**
 * The network a booking comes from, for its quotas: the IPv4 address, the IPv6 /64 (one
 * subscriber's). Null for a private or loopback address: the machine itself, or a reverse
 * proxy whose clients koa does not see (TRUST_PROXY), whom one quota must not lump together.
 */
export function clientNetwork(ip: string): string | null {
  const address = ip.replace(/^::ffff:/, '');
  if (isPrivateAddress(address)) return null;
  if (net.isIPv4(address)) return address;
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
}

export interface OnlineBooking {
  motif_id: string;
  /** The label of the motif's option chosen, when the motif has options. */
  motif_option?: string | null;
  lieu_id: string;
  starts_at: string;
  user: FicheValues;
  prescripteur?: PrescripteurIdentity;
  /** Confirms the warnings of plugins' checks (409 until then). */
  accept_warnings?: boolean;
}

/** The usager signed in to a verified account, if any. */
export interface SignedInUsager {
  accountId: string;
  email: string;
  /** The identity FranceConnect certified, for an account signed in with it. */
  certified?: CertifiedIdentity | null;
}

function sixDigits(): string {
  return String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
}

function codeHash(holdId: string, code: string): string {
  return hashToken(`${holdId}:${code}`);
}

/** `c*****@example.fr`: enough for the usager to recognise their address. */
function masked(email: string): string {
  const [local, domain] = email.split('@');
  return `${local.slice(0, 1)}${'*'.repeat(Math.max(local.length - 1, 1))}@${domain}`;
}

/** Frees the time of expired holds, in the current transaction: a tenant one's territory, or every territory for the system. */
export async function purgeExpiredHolds(now: Date): Promise<void> {
  await tx().query(
    `DELETE FROM rdvs WHERE status = 'pending'
        AND id IN (SELECT rdv_id FROM rdv_holds WHERE NOT seat AND confirmed_at IS NULL AND expires_at <= $1)`,
    [now],
  );
}

/** The territory and organisation of a motif named in a public body, looked up above row-level security. */
async function motifHome(platform: Platform, motifId: string): Promise<{ territoryId: string; organisationId: string }> {
  const [motif] = isUuid(motifId)
    ? await platform.db.system(() => tx().query(`SELECT territory_id, organisation_id FROM motifs WHERE id = $1 AND deleted_at IS NULL`, [motifId]))
    : [];
  if (!motif) throw new AppError('not_found', 'Motif not found', [{ path: 'motif_id', message: 'names no motif you can book' }]);
  return { territoryId: motif.territory_id, organisationId: motif.organisation_id };
}

/**
 * Checks the booker's data: the usager's fiche against the territory's public
 * form, what the motif's modality needs, and an email to confirm with. Answers
 * the fiche as it will be stored (plugin fields normalized).
 */
async function checkBooker(platform: Platform, motif: Motif, body: OnlineBooking, account: SignedInUsager | null) {
  const form = await loadForm(platform, 'user');
  const errors = form.errors(body.user, { audience: 'public' }).map((error) => ({ ...error, path: `user.${error.path}` }));
  const contact = contactProblem(motif.location_type, { email: (body.user.email as string) ?? null, phone_number: (body.user.phone_number as string) ?? null });
  if (contact) errors.push({ path: motif.location_type === 'phone' ? 'user.phone_number' : 'user.email', message: contact });
  if (!body.prescripteur && !account && !body.user.email) {
    errors.push({ path: 'user.email', message: 'is required: the booking is confirmed by a code sent to it' });
  }
  // The usager's own identity as FranceConnect certified it, not another one typed instead.
  if (!body.prescripteur && account?.certified) errors.push(...certifiedFieldErrors(account.certified, body.user, 'user.'));
  if (errors.length > 0) throw AppError.invalid('The booking cannot be made with these details', errors);
  return { form, user: form.normalized(body.user) };
}

/** A fiche showing the identity FranceConnect certified keeps it: agents no longer change it by hand. */
async function lockCertifiedIdentity(userId: string, certified: CertifiedIdentity, now: Date): Promise<void> {
  await tx().query(
    `UPDATE users SET franceconnect_identity_at = $5 WHERE id = $1 AND franceconnect_identity_at IS NULL
        AND first_name = $2 AND birth_name IS NOT DISTINCT FROM $3 AND birth_date IS NOT DISTINCT FROM $4::date`,
    [userId, certified.first_name, certified.birth_name, certified.birth_date, now]);
}

/**
 * POST /api/public/rdvs: re-checks the créneau with the slot engine, takes the
 * time (PostgreSQL refuses a taken one: 409), and answers 202 with the hold to
 * confirm, or 201 with the rdv for a signed-in usager.
 */
export async function bookOnline(request: ApiRequest<'public'>, body: OnlineBooking, account: SignedInUsager | null): Promise<unknown> {
  const { platform } = request;
  const home = await motifHome(platform, body.motif_id);
  // Past a threshold (a network booking much, an organisation flooded), a proof of work first.
  await passChallengeGate(request, home.organisationId, clientNetwork(request.koa.ip));
  const bookedBy = body.prescripteur ? 'prescripteur' as const : 'user' as const;
  const scope = account && !body.prescripteur ? `public:account:${account.accountId}:rdvs` : 'public:rdvs';
  return platform.db.tenant(home.territoryId, () => idempotent(request, scope, 202, async () => {
    await publicMotif(home.organisationId, body.motif_id, body.prescripteur ? ['everyone', 'agents_and_prescripteurs'] : ['everyone']);
    const booked = await tx().findOneByOrFail(Motif, { id: body.motif_id });
    const option = chosenOption(booked, body.motif_option);
    // An option with its own duration makes créneaux that long (the portal searched them so).
    const motif = timedByOption(booked, option);
    await checkLieu(home.organisationId, body.lieu_id, true);
    const { form, user: fiche } = await checkBooker(platform, motif, body, account);
    const startsAt = new Date(body.starts_at);
    const now = platform.clock.now();
    if (startsAt <= now) throw AppError.invalidField('starts_at', 'is in the past');

    await purgeExpiredHolds(now);
    const slot = await publicCreneauAt({ organisationId: home.organisationId, motif, lieuId: body.lieu_id, startsAt, platform });
    if ('refusal' in slot) {
      if (slot.refusal === 'taken') throw slotTaken();
      throw AppError.invalidField('starts_at', 'is not a créneau of this motif at this lieu (off the grid, outside the plages or the booking delays)');
    }
    const zone = await territoryTimeZone();
    // Last before writing, as the dearest: the request's transaction stays open while plugins answer, each within its bounded time.
    await checkBooking(platform, {
      changes: ['created'], channel: 'online', organisationId: home.organisationId, rdvId: slot.sessionId, motif, lieuId: body.lieu_id,
      startsAt, endsAt: new Date(slot.creneau.endsAt), customFields: {}, timeZone: zone,
      usagers: [{ id: null, custom_fields: (fiche.custom_fields as Record<string, unknown> | undefined) ?? {}, path: 'user.custom_fields' }],
    }, body.accept_warnings ?? false);

    if (account && !body.prescripteur) {
      const certified = Object.fromEntries(Object.entries(account.certified ?? {}).filter(([, value]) => value !== null));
      const user = await usagerFor(platform, form, home.organisationId, { ...fiche, ...certified, email: account.email }, account.email);
      if (account.certified) await lockCertifiedIdentity(user.id, account.certified, now);
      const acting: Acting = { type: 'user', agentId: null, userId: user.id };
      const participationId = slot.sessionId
        ? await joinSession(slot.sessionId, { userId: user.id, acting, createdBy: 'user' }, now, zone)
        : await createConfirmedRdv(home.organisationId, motif, option, body.lieu_id, slot.creneau, user.id, acting, now, zone);
      const manage = await issueRdvLink(platform, participationId);
      return new Reply(201, { ...recapJson(await loadUsagerView(participationId), zone, now), manage_url: manage });
    }

    const confirmationEmail = body.prescripteur?.email ?? (body.user.email as string);
    const [{ pending }] = await tx().query(
      `SELECT count(*)::int AS pending FROM rdv_holds WHERE lower(confirmation_email) = lower($1) AND confirmed_at IS NULL AND expires_at > $2 AND rdv_id IS NOT NULL`,
      [confirmationEmail, now]);
    if (pending >= MAX_PENDING_HOLDS_PER_EMAIL) {
      request.koa.set('Retry-After', String(HOLD_MS / 1000));
      throw new AppError('too_many', `${MAX_PENDING_HOLDS_PER_EMAIL} bookings already await their code at this address: confirm them or wait ${HOLD_MS / 60_000} minutes`);
    }
    const network = clientNetwork(request.koa.ip);
    if (network) {
      const [fromNetwork] = await tx().query(
        `SELECT count(*) FILTER (WHERE confirmed_at IS NULL AND expires_at > $3 AND rdv_id IS NOT NULL)::int AS pending, count(*)::int AS recent
           FROM rdv_holds WHERE client_network = $1 AND created_at > $2`,
        [network, new Date(now.getTime() - 3_600_000), now]);
      if (fromNetwork.pending >= MAX_PENDING_HOLDS_PER_NETWORK || fromNetwork.recent >= MAX_HOLDS_PER_NETWORK_PER_HOUR) {
        const waitS = fromNetwork.recent >= MAX_HOLDS_PER_NETWORK_PER_HOUR ? 3_600 : HOLD_MS / 1000;
        throw new AppError('too_many', `Too many bookings from your network: try again in ${Math.ceil(waitS / 60)} minutes`, [], waitS);
      }
    }
    // Under pressure (a flood of unconfirmed bookings), a créneau waits for its code for less.
    const [{ pendingHere }] = await tx().query(
      `SELECT count(*)::int AS "pendingHere" FROM rdv_holds h JOIN rdvs r ON r.id = h.rdv_id
        WHERE r.organisation_id = $1 AND h.confirmed_at IS NULL AND h.expires_at > $2`, [home.organisationId, now]);
    const holdMs = pendingHere >= ORGANISATION_PRESSURE_HOLDS ? SHORT_HOLD_MS : HOLD_MS;
    const holdId = crypto.randomUUID();
    const code = sixDigits();
    let rdvId = slot.sessionId;
    if (!rdvId) {
      const rdv = await tx().save(tx().create(Rdv, {
        territory_id: currentTerritoryId(), organisation_id: home.organisationId, motif_id: motif.id, motif_option: option, lieu_id: body.lieu_id,
        starts_at: startsAt, ends_at: new Date(slot.creneau.endsAt), status: PENDING, collectif: false,
        name: null, max_participants_count: null, context: null, custom_fields: {},
        created_by: bookedBy, created_by_agent_id: null, sequence: 0, created_at: now, updated_at: now,
      }));
      await writeAgentTime(rdv, [slot.creneau.agentId]);
      rdvId = rdv.id;
    } else {
      await holdSeat(rdvId, now);
    }
    const expiresAt = new Date(now.getTime() + holdMs);
    await tx().save(tx().create(RdvHold, {
      id: holdId, territory_id: currentTerritoryId(), rdv_id: rdvId, seat: slot.sessionId !== null, booked_by: bookedBy,
      user_data: fiche, prescripteur: body.prescripteur ?? null, confirmation_email: confirmationEmail,
      code_hash: codeHash(holdId, code), expires_at: expiresAt, confirmed_at: null, client_network: network, created_at: now,
    }));
    // The notifications send the code; webhooks never see this model.
    await recordEvent('rdv_hold', 'created', {
      id: holdId, rdv_id: rdvId, motif_id: motif.id, lieu_id: body.lieu_id, starts_at: body.starts_at, booked_by: bookedBy,
      email: confirmationEmail, expires_at: expiresAt.toISOString(),
      secret: sealEventSecret(platform.config, 'rdv_hold', holdId, {
        code, confirm_url: `${platform.config.publicUrl}/public/organisations/${await organisationSlug(home.organisationId)}/reservation/code?booking=${holdId}&code=${code}`,
      }),
    }, { organisationId: home.organisationId });
    return new Reply(202, { id: holdId, status: PENDING, confirmation: 'email', code_sent_to: masked(confirmationEmail), expires_at: isoInZone(expiresAt.getTime(), zone) });
  }));
}

async function organisationSlug(organisationId: string): Promise<string> {
  const [organisation] = await tx().query(`SELECT slug FROM organisations WHERE id = $1`, [organisationId]);
  return organisation.slug;
}

/** Takes a seat of a collectif session for a hold: the session is locked, so two holds never share the last seat. */
async function holdSeat(sessionId: string, now: Date): Promise<void> {
  const record = await findRdv(sessionId, { lock: true });
  if (record.rdv.status !== 'unknown') throw AppError.conflict('This session is no longer open');
  const max = record.rdv.max_participants_count;
  if (max !== null && (await seatsTaken(sessionId, now)) >= max) {
    throw AppError.conflict('The session is full', [{ path: 'starts_at', message: 'no seat left' }]);
  }
}

async function createConfirmedRdv(
  organisationId: string, motif: Motif, option: MotifOption | null, lieuId: string, creneau: { startsAt: number; endsAt: number; agentId: string },
  userId: string, acting: Acting, now: Date, zone: string, prescripteur: PrescripteurIdentity | null = null,
): Promise<string> {
  const createdBy = prescripteur ? 'prescripteur' : 'user';
  const rdv = await tx().save(tx().create(Rdv, {
    territory_id: currentTerritoryId(), organisation_id: organisationId, motif_id: motif.id, motif_option: option, lieu_id: lieuId,
    starts_at: new Date(creneau.startsAt), ends_at: new Date(creneau.endsAt), status: 'unknown', collectif: false,
    name: null, max_participants_count: null, context: null, custom_fields: {},
    created_by: createdBy, created_by_agent_id: null, sequence: 0, created_at: now, updated_at: now,
  }));
  await writeAgentTime(rdv, [creneau.agentId]);
  await insertParticipations(rdv, [userId], createdBy, null, now, prescripteur);
  const [record] = await loadRdvRecords([rdv.id]);
  await recordRdvChange(null, record, 'rdv_created', acting, now, zone);
  return record.participations[0].id;
}

async function joinSession(
  sessionId: string,
  joining: { userId: string; acting: Acting; createdBy: 'user' | 'prescripteur'; prescripteur?: PrescripteurIdentity | null; heldSeat?: boolean },
  now: Date, zone: string,
): Promise<string> {
  const record = await findRdv(sessionId, { lock: true });
  const before = snapshot(record);
  const participation = await join(record, joining, now);
  const [after] = await loadRdvRecords([sessionId]);
  await recordRdvChange(before, after, 'rdv_participation_added', joining.acting, now, zone, { userId: joining.userId });
  return participation.id;
}

/**
 * POST /api/public/rdvs/{id}/confirm {code}: confirms a hold once, within its 10
 * minutes (410 once expired or used); 5 wrong codes pause it (429). Answers the
 * rdv's recap with its self-service link.
 */
export async function confirmHold(request: ApiRequest<'public'>, holdId: string, code: string): Promise<unknown> {
  const { platform } = request;
  const [home] = isUuid(holdId) ? await platform.db.system(() => tx().query(`SELECT territory_id FROM rdv_holds WHERE id = $1`, [holdId])) : [];
  if (!home) throw AppError.notFound('Booking');
  // An expired hold frees its time now, whatever the code says.
  await platform.db.tenant(home.territory_id, () => purgeExpiredHolds(platform.clock.now()));
  return new AttemptCounter(platform, `hold:${holdId}`).guard(request.koa, () =>
    platform.db.tenant(home.territory_id, () => idempotent(request, `public:hold:${holdId}`, 200, async () => {
      const now = platform.clock.now();
      const hold = await tx().findOne(RdvHold, { where: { id: holdId }, lock: { mode: 'pessimistic_write' } });
      if (!hold) throw AppError.notFound('Booking');
      if (hold.confirmed_at) throw new AppError('gone', 'This booking was already confirmed: its code cannot be used again');
      if (hold.expires_at <= now || !hold.rdv_id) throw new AppError('gone', 'This booking expired: its créneau was freed, book again');
      if (hold.code_hash !== codeHash(hold.id, code)) throw wrongGuess('code', 'This is not the code sent by email');

      const rdv = await tx().findOneByOrFail(Rdv, { id: hold.rdv_id });
      const form = await loadForm(platform, 'user');
      // The code proves the address it was sent to: the usager's own, not a prescripteur's.
      const provenEmail = hold.booked_by === 'user' ? hold.confirmation_email : null;
      const user = await usagerFor(platform, form, rdv.organisation_id, hold.user_data!, provenEmail);
      const acting: Acting = { type: hold.booked_by, agentId: null, userId: user.id };
      const zone = await territoryTimeZone();
      let participationId: string;
      if (hold.seat) {
        participationId = await joinSession(rdv.id, { userId: user.id, acting, createdBy: hold.booked_by, prescripteur: hold.prescripteur, heldSeat: true }, now, zone);
      } else {
        rdv.status = 'unknown';
        rdv.updated_at = now;
        await tx().save(Rdv, rdv);
        await insertParticipations(rdv, [user.id], hold.booked_by, null, now, hold.prescripteur);
        const [record] = await loadRdvRecords([rdv.id]);
        await recordRdvChange(null, record, 'rdv_created', acting, now, zone);
        participationId = record.participations[0].id;
      }
      await tx().update(RdvHold, { id: hold.id }, { confirmed_at: now, user_data: null, prescripteur: null });
      const manage = await issueRdvLink(platform, participationId);
      return { ...recapJson(await loadUsagerView(participationId), zone, now), manage_url: manage };
    })));
}

/** Expired holds are kept (without their rdv) this long, to tell a late code that it expired. */
const EXPIRED_HOLD_KEPT_MS = 24 * 3600_000;

/**
 * Booking's housekeeping (booking/maintenance.ts runs it every minute): frees
 * every territory's expired holds, and deletes holds a day after expiry,
 * idempotency keys after their 24 hours, spent proofs of work once their challenge
 * expired, idle attempt counters, expired usager
 * sessions (agents' a day after they ended), usager accounts never verified and the
 * links of rdvs over for a day.
 */
export async function purgeBookingLeftovers(platform: Platform): Promise<void> {
  const now = platform.clock.now();
  const dayAgo = new Date(now.getTime() - EXPIRED_HOLD_KEPT_MS);
  await platform.db.system(async () => {
    await purgeExpiredHolds(now);
    await tx().query(`DELETE FROM rdv_holds WHERE expires_at <= $1`, [dayAgo]);
    await tx().query(`DELETE FROM idempotency_keys WHERE expires_at <= $1`, [now]);
    await tx().query(`DELETE FROM spent_challenges WHERE expires_at <= $1`, [now]);
    await tx().query(`DELETE FROM access_attempts WHERE updated_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)`, [dayAgo, now]);
    await tx().query(`DELETE FROM usager_sessions WHERE expires_at <= $1`, [now]);
    // Agents' sessions too, a day after they ended (revoked ones end at the latest when they expire).
    await tx().query(`DELETE FROM api_tokens WHERE expires_at <= $1`, [dayAgo]);
    // An account never verified is forgotten a day after its code expired (the address is free again from expiry on).
    await tx().query(`DELETE FROM usager_accounts WHERE verified_at IS NULL AND verification_expires_at <= $1`, [dayAgo]);
    await tx().query(
      `DELETE FROM rdv_links WHERE participation_id IN
         (SELECT p.id FROM participations p JOIN rdvs r ON r.id = p.rdv_id WHERE r.ends_at <= $1)`,
      [new Date(now.getTime() - LINK_GRACE_MS)],
    );
  });
}

