import type { Context } from 'koa';
import { loadAgentJson } from '../agents/agents';
import { AttemptCounter } from '../booking/attempts';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { consoleLog, errorMessage } from '../logging';
import { plainEmail } from '../notifications/code-emails';
import { platformMail } from '../notifications/mail';
import type { Platform } from '../platform';
import { isConfigured } from './oidc';
import { checkPasswordAllowed } from './proconnect';
import { generateToken, hashToken } from './secrets';
import { issueToken, revokeAgentSessions } from './sessions';
import { secondStepAnswer } from './totp';

export const PASSWORD_RESET_TTL_MS = 60 * 60_000;

/**
 * Asking for links is paused per address asked for (5, then an hour: an inbox is not
 * flooded) and per caller's address (20, then an hour: addresses are not probed in bulk).
 */
const EMAIL_LIMITS = { maxFailures: 5, pauseMs: 60 * 60_000 };
const CALLER_LIMITS = { maxFailures: 20, pauseMs: 60 * 60_000 };

/**
 * Emails a single-use link to choose a new password to the agent who has this address,
 * if any: the caller is answered alike either way, and the email leaves after the answer,
 * so neither the answer nor its delay tells whether the address is an agent's.
 * The agent's earlier links stop working. Platform admins, intervenants and agents whose
 * territory requires ProConnect get nothing.
 */
export async function requestPasswordReset(platform: Platform, koa: Context, email: string): Promise<void> {
  await new AttemptCounter(platform, `password_reset_address:${koa.ip}`, CALLER_LIMITS).spend(koa);
  await new AttemptCounter(platform, `password_reset:${email.toLowerCase()}`, EMAIL_LIMITS).spend(koa);
  const token = generateToken();
  const now = platform.clock.now();
  const agent = await platform.db.system(async () => {
    const [found] = await tx().query(
      `SELECT a.id, a.email, t.name AS territory_name, t.proconnect_required FROM agents a JOIN territories t ON t.id = a.territory_id
        WHERE lower(a.email) = lower($1) AND a.deleted_at IS NULL`, [email]);
    // A territory requiring ProConnect has no passwords to reset: no link (the answer stays alike).
    if (!found || (found.proconnect_required && isConfigured(platform, 'proconnect'))) return undefined;
    await tx().query(`DELETE FROM password_resets WHERE agent_id = $1 AND used_at IS NULL`, [found.id]);
    await tx().query(
      `INSERT INTO password_resets (agent_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)`,
      [found.id, hashToken(token), new Date(now.getTime() + PASSWORD_RESET_TTL_MS), now]);
    return found as { id: string; email: string; territory_name: string };
  });
  if (!agent) return;
  const message = plainEmail(
    platform,
    agent.email,
    agent.territory_name,
    'Choisir un nouveau mot de passe',
    [
      "Vous avez demandé à changer le mot de passe de votre compte d'agent.",
      `Choisissez-en un nouveau avec le lien ci-dessous, valable ${PASSWORD_RESET_TTL_MS / 60_000} minutes et utilisable une seule fois.`,
      "Si vous n'avez rien demandé, ignorez cet e-mail : votre mot de passe ne change pas.",
    ],
    { label: 'Choisir un nouveau mot de passe', url: `${platform.config.publicUrl}/admin/reset-password/${token}` },
  );
  platformMail(platform).send(message).catch((error) => consoleLog('error', 'password link not sent', { error: errorMessage(error) }));
}

interface ResetRow {
  id: string;
  agent_id: string;
  territory_id: string;
  expires_at: Date;
  used_at: Date | null;
  totp_enabled_at: Date | null;
}

/** The link's reset, refused when unknown (404), used or expired (410). */
async function findReset(platform: Platform, token: string, lock: boolean): Promise<ResetRow> {
  const [reset] = await tx().query(
    `SELECT r.id, r.agent_id, a.territory_id, r.expires_at, r.used_at, a.totp_enabled_at
       FROM password_resets r JOIN agents a ON a.id = r.agent_id AND a.deleted_at IS NULL
      WHERE r.token_hash = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
    [hashToken(token)],
  );
  if (!reset) throw AppError.notFound('Password link');
  if (reset.used_at) throw new AppError('gone', 'This link was already used: ask for a new one');
  if (new Date(reset.expires_at) <= platform.clock.now()) throw new AppError('gone', 'This link has expired: ask for a new one');
  return reset;
}

/**
 * Whether a link still opens, so the screen can say so before a password is typed; one
 * sent before the agent's territory required ProConnect is refused as sign-in is (403).
 */
export async function checkPasswordReset(platform: Platform, token: string): Promise<{ expires_at: Date }> {
  const reset = await platform.db.system(() => findReset(platform, token, false));
  await checkPasswordAllowed(platform, reset.territory_id);
  return { expires_at: reset.expires_at };
}

/**
 * Sets the new password once, closes every session of the agent (whoever had the old
 * password is out) and opens a new one: answers it as sign-in does, so an agent with an
 * application code still gives a code (the link proves the mailbox, not the phone).
 */
export async function completePasswordReset(platform: Platform, token: string, passwordHash: string) {
  const now = platform.clock.now();
  const { agentId, territoryId, session, secondFactor } = await platform.db.system(async () => {
    const reset = await findReset(platform, token, true);
    await tx().query(`UPDATE password_resets SET used_at = $2 WHERE id = $1`, [reset.id, now]);
    await tx().query(`DELETE FROM password_resets WHERE agent_id = $1 AND used_at IS NULL`, [reset.agent_id]);
    await tx().query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [reset.agent_id, passwordHash]);
    await revokeAgentSessions(platform, reset.agent_id);
    const secondFactor = reset.totp_enabled_at !== null;
    return { agentId: reset.agent_id, territoryId: reset.territory_id, secondFactor, session: secondFactor ? null : await issueToken(platform, { agentId: reset.agent_id }) };
  });
  if (secondFactor) return secondStepAnswer(platform, agentId);
  return { token: session, agent: await platform.db.tenant(territoryId, () => loadAgentJson(agentId, now)) };
}
