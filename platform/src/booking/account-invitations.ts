/**
 * An agent invites the usager of a fiche to open their account on the public portal
 * (seed 001: « l'inviter à créer un compte »). The link goes to the fiche's email and
 * nowhere else, is single-use and expires; following it proves the address, so the
 * account it opens is verified at once, at the fiche's email: the account finds this
 * fiche by that email, no other fiche is made. Only the token's hash is kept.
 */
import crypto from 'node:crypto';
import { isoInZone } from '../agenda/iso';
import { territoryTimeZone } from '../agenda/definitions';
import { generateToken, hashPassword, hashToken } from '../auth/secrets';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { route } from '../http/route';
import { plainEmail } from '../notifications/code-emails';
import { platformMail } from '../notifications/mail';
import type { Platform } from '../platform';
import type { User } from '../usagers/user.entity';
import { actingOrganisation, findUserFor } from '../usagers/users';

export const ACCOUNT_INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** What agents see of the fiche's account: whether it exists (in their territory), and the invitation still open. */
async function accountInvitationState(platform: Platform, user: User) {
  const now = platform.clock.now();
  const [account] = user.email
    ? await tx().query(`SELECT 1 FROM usager_accounts WHERE lower(email) = lower($1) AND verified_at IS NOT NULL`, [user.email])
    : [];
  const [invitation] = await tx().query(
    `SELECT created_at, expires_at FROM usager_account_invitations
      WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 AND lower(email) = lower($3)
      ORDER BY created_at DESC LIMIT 1`, [user.id, now, user.email ?? '']);
  const zone = await territoryTimeZone();
  return {
    email: user.email,
    has_account: Boolean(account),
    invitation: invitation
      ? { sent_at: isoInZone(new Date(invitation.created_at).getTime(), zone), expires_at: isoInZone(new Date(invitation.expires_at).getTime(), zone) }
      : null,
  };
}

/**
 * Emails a new link to the fiche's address; the fiche's earlier links stop working.
 * Sent within the request's transaction: an email that cannot be sent leaves no invitation.
 */
async function inviteUsager(platform: Platform, user: User, organisationId: string, invitedBy: string) {
  if (!user.email) throw AppError.invalidField('email', 'is required to invite the usager: add their email to the fiche first');
  if ((await accountInvitationState(platform, user)).has_account) {
    throw AppError.conflict('This usager already has an account at this email: they sign in with it',
      [{ path: 'email', message: 'already has an account' }]);
  }
  const token = generateToken();
  const now = platform.clock.now();
  await tx().query(`DELETE FROM usager_account_invitations WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
  await tx().query(
    `INSERT INTO usager_account_invitations (territory_id, user_id, organisation_id, email, token_hash, invited_by_agent_id, expires_at, created_at)
     VALUES (current_territory_id(), $1, $2, $3, $4, $5, $6, $7)`,
    [user.id, organisationId, user.email, hashToken(token), invitedBy, new Date(now.getTime() + ACCOUNT_INVITATION_TTL_MS), now]);
  const [organisation] = await tx().query(`SELECT name FROM organisations WHERE id = $1`, [organisationId]);
  await platformMail(platform).send(plainEmail(
    platform,
    user.email,
    organisation.name,
    'Créez votre compte pour gérer vos rendez-vous',
    [
      `${organisation.name} vous invite à créer votre compte, pour retrouver et gérer vos rendez-vous en ligne.`,
      `Choisissez votre mot de passe avec le lien ci-dessous, valable ${ACCOUNT_INVITATION_TTL_MS / 86_400_000} jours et utilisable une seule fois. Votre compte utilisera cette adresse e-mail.`,
      "Si vous n'attendiez pas cette invitation, ignorez cet e-mail : aucun compte ne sera créé.",
    ],
    { label: 'Créer mon compte', url: `${platform.config.publicUrl}/public/compte/invitation/${token}` },
  ));
  return accountInvitationState(platform, user);
}

interface InvitationRow {
  id: string;
  user_id: string;
  territory_id: string;
  email: string;
  expires_at: Date;
  used_at: Date | null;
  first_name: string;
  last_name: string;
  phone_number: string | null;
  organisation_name: string;
  organisation_slug: string;
  timezone: string;
  account_verified: boolean;
}

/** The link's invitation, while its fiche is kept with the email it was sent to; else 404. Read above row-level security. */
async function findInvitation(token: string, lock: boolean): Promise<InvitationRow> {
  const [invitation] = await tx().query(
    `SELECT i.id, i.user_id, i.territory_id, u.email, i.expires_at, i.used_at, u.first_name, u.last_name, u.phone_number,
            o.name AS organisation_name, o.slug AS organisation_slug, t.timezone,
            EXISTS (SELECT 1 FROM usager_accounts a WHERE lower(a.email) = lower(i.email) AND a.verified_at IS NOT NULL) AS account_verified
       FROM usager_account_invitations i
       JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL AND lower(u.email) = lower(i.email)
       JOIN organisations o ON o.id = i.organisation_id
       JOIN territories t ON t.id = i.territory_id
      WHERE i.token_hash = $1 ${lock ? 'FOR UPDATE OF i' : ''}`, [hashToken(token)]);
  if (!invitation) throw AppError.notFound('Invitation');
  return invitation;
}

type InvitationStatus = 'pending' | 'used' | 'expired' | 'account_exists';

function statusOf(platform: Platform, invitation: InvitationRow): InvitationStatus {
  if (invitation.used_at) return 'used';
  if (invitation.account_verified) return 'account_exists';
  if (new Date(invitation.expires_at) <= platform.clock.now()) return 'expired';
  return 'pending';
}

const REFUSALS: Record<Exclude<InvitationStatus, 'pending'>, () => AppError> = {
  used: () => AppError.conflict('This invitation was already used: the account is open, sign in with its email and password'),
  account_exists: () => AppError.conflict('An account already uses this email: sign in'),
  expired: () => new AppError('gone', 'This invitation has expired: ask the organisation for a new one'),
};

function usable(platform: Platform, invitation: InvitationRow): InvitationRow {
  const status = statusOf(platform, invitation);
  if (status !== 'pending') throw REFUSALS[status]();
  return invitation;
}

/**
 * Opens the fiche's account, verified, with this password, once. An account still
 * awaiting its code at that email gives way: following the link proves the address,
 * which its opener never did.
 */
async function acceptAccountInvitation(platform: Platform, token: string, passwordHash: string) {
  const now = platform.clock.now();
  return platform.db.system(async () => {
    const invitation = usable(platform, await findInvitation(token, true));
    await tx().query(`DELETE FROM usager_accounts WHERE lower(email) = lower($1) AND verified_at IS NULL`, [invitation.email]);
    const id = crypto.randomUUID();
    try {
      await tx().query(
        `INSERT INTO usager_accounts (id, territory_id, email, password_hash, first_name, last_name, phone_number, verified_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)`,
        [id, invitation.territory_id, invitation.email, passwordHash, invitation.first_name, invitation.last_name, invitation.phone_number, now]);
    } catch (error) {
      // An account opened at this email since the check above.
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') throw REFUSALS.account_exists();
      throw error;
    }
    await tx().query(`UPDATE usager_account_invitations SET used_at = $2 WHERE id = $1`, [invitation.id, now]);
    await tx().query(`DELETE FROM usager_account_invitations WHERE user_id = $1 AND used_at IS NULL`, [invitation.user_id]);
    return { account: { id, email: invitation.email, first_name: invitation.first_name, last_name: invitation.last_name } };
  });
}

export const accountInvitationRoutes = [
  route({
    method: 'get', path: '/api/v1/users/:id/invitation', tag: 'usagers', access: 'agent',
    summary: "Whether the usager has an account on the public portal (at the fiche's email, in this territory) and the invitation to open one still valid",
    async handle({ actor, params, platform }) {
      return accountInvitationState(platform, (await findUserFor(actor, params.id)).user);
    },
  }),
  route({
    method: 'post', path: '/api/v1/users/:id/invitation', tag: 'usagers', access: 'agent', status: 201,
    summary: "Invite the usager to open their account on the public portal: a single-use link, valid 7 days, emailed to the fiche's address from the organisation (?organisation_id= when the fiche is in several of yours); earlier links stop working. 422 without an email, 409 when the account exists",
    async handle({ actor, params, query, platform }) {
      const found = await findUserFor(actor, params.id);
      return inviteUsager(platform, found.user, actingOrganisation(actor, found, query.organisation_id), actor.agentId);
    },
  }),
  route({
    method: 'get', path: '/api/public/account_invitations/:token', tag: 'public', access: 'public',
    summary: "What the invitation's page shows: the usager's first name, the organisation, and whether the link still opens an account (status pending, used, expired or account_exists); 404 for an unknown or replaced link",
    async handle({ params, platform }) {
      const invitation = await platform.db.system(() => findInvitation(params.token, false));
      return {
        status: statusOf(platform, invitation),
        first_name: invitation.first_name,
        organisation: { name: invitation.organisation_name, slug: invitation.organisation_slug },
        expires_at: isoInZone(new Date(invitation.expires_at).getTime(), invitation.timezone),
      };
    },
  }),
  route({
    method: 'post', path: '/api/public/account_invitations/:token/accept', tag: 'public', access: 'public', status: 201,
    body: 'api/invitation.accept.json',
    summary: "Open the invited usager's account with this password, verified at the fiche's email; 409 once used or when an account has this email, 410 once expired",
    async handle({ params, body, platform }) {
      // The refusals before the dear hash.
      await platform.db.system(async () => usable(platform, await findInvitation(params.token, false)));
      return acceptAccountInvitation(platform, params.token, await hashPassword((body as { password: string }).password));
    },
  }),
];
