import type { Context } from 'koa';
import { Agent } from '../agents/agent.entity';
import { loadAgentJson } from '../agents/agents';
import { AttemptCounter, countedAsWrongGuess } from '../booking/attempts';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { consoleLog } from '../logging';
import type { Platform } from '../platform';
import { Reply, route } from '../http/route';
import { authenticate, bearerToken } from './authenticate';
import { checkPasswordReset, completePasswordReset, requestPasswordReset } from './password-resets';
import { hashPassword, verifyPassword } from './secrets';
import { issueToken, revokeAgentSessions, revokeToken } from './sessions';

interface Credentials {
  email: string;
  password: string;
}

const WRONG_CREDENTIALS = 'Wrong email or password';

/**
 * Password guessing is paused per account (10 wrong passwords, 15 minutes) and per
 * address (50 wrong passwords of any accounts, 15 minutes), counted in PostgreSQL for
 * every API process; a right password resets both. An unknown email counts alike.
 */
const ACCOUNT_LIMITS = { maxFailures: 10, pauseMs: 15 * 60_000 };
const ADDRESS_LIMITS = { maxFailures: 50, pauseMs: 15 * 60_000 };

/** The wrong-password counter of an account: sign-in and password change share it. */
function accountCounter(platform: Platform, email: string): AttemptCounter {
  return new AttemptCounter(platform, `sign_in:${email.toLowerCase()}`, ACCOUNT_LIMITS);
}

/**
 * Changes the signed-in agent's password once their current one is checked (a wrong one
 * counts as a sign-in guess), and closes their other sessions: a forgotten open session
 * elsewhere, or whoever learnt the old password, is out.
 */
async function changePassword(platform: Platform, koa: Context, body: { current_password: string; password: string }): Promise<void> {
  const token = bearerToken(koa);
  const actor = await authenticate(platform, token);
  if (actor.kind !== 'agent') throw AppError.forbidden('This route is for agents');
  const [agent] = await platform.db.systemStatement<{ email: string; password_hash: string }>(
    `SELECT email, password_hash FROM agents WHERE id = $1`, [actor.agentId]);
  await accountCounter(platform, agent.email).guard(koa, async () => {
    if (!(await verifyPassword(body.current_password, agent.password_hash))) {
      throw countedAsWrongGuess(AppError.invalidField('current_password', 'is not your current password'));
    }
  });
  const passwordHash = await hashPassword(body.password);
  await platform.db.system(async () => {
    await tx().query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [actor.agentId, passwordHash]);
    await revokeAgentSessions(platform, actor.agentId, token);
  });
}

/** The agent's (or platform admin's) token for these credentials; a wrong password is a counted guess. */
async function signIn(platform: Platform, email: string, password: string) {
  const found = await platform.db.system(async () => {
    const [agent] = await tx().query(
      `SELECT id, territory_id, password_hash FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL`, [email]);
    const [admin] = agent ? [] : await tx().query(`SELECT id, password_hash FROM platform_admins WHERE lower(email) = lower($1)`, [email]);
    return { agent, admin };
  });
  const account = found.agent ?? found.admin;
  // An invited agent who has not chosen a password yet, or an intervenant, cannot sign in.
  if (!(await verifyPassword(password, account?.password_hash))) {
    consoleLog('warn', 'sign-in refused', { account_known: Boolean(account) });
    throw countedAsWrongGuess(new AppError('unauthenticated', WRONG_CREDENTIALS));
  }
  if (found.agent) {
    const token = await platform.db.system(() => issueToken(platform, { agentId: found.agent.id }));
    const agent = await platform.db.tenant(found.agent.territory_id, () => loadAgentJson(found.agent.id, platform.clock.now()));
    return { token, agent };
  }
  const token = await platform.db.system(() => issueToken(platform, { platformAdminId: found.admin.id }));
  return { token, agent: { id: found.admin.id, email, platform_admin: true } };
}

export const authRoutes = [
  route({
    method: 'post', path: '/api/v1/auth/sign_in', tag: 'auth', access: 'public', body: 'api/sign_in.json',
    summary: 'Sign in with email and password; answers a bearer token (paused with 429 after too many wrong passwords for the account or from the address)',
    async handle({ body, platform, koa }) {
      const { email, password } = body as Credentials;
      const byAddress = new AttemptCounter(platform, `sign_in_address:${koa.ip}`, ADDRESS_LIMITS);
      const byAccount = accountCounter(platform, email);
      return byAddress.guard(koa, () => byAccount.guard(koa, () => signIn(platform, email, password)));
    },
  }),
  route({
    method: 'delete', path: '/api/v1/auth/sign_out', tag: 'auth', access: 'public',
    summary: 'Revoke the bearer token',
    async handle({ koa, platform }) {
      const token = bearerToken(koa);
      await platform.db.system(() => revokeToken(platform, token));
      return undefined;
    },
  }),
  route({
    method: 'get', path: '/api/v1/auth/me', tag: 'auth', access: 'agent',
    summary: 'The signed-in agent, with roles and services',
    async handle({ actor, platform }) {
      return loadAgentJson(actor.agentId, platform.clock.now());
    },
  }),
  route({
    method: 'patch', path: '/api/v1/auth/me', tag: 'auth', access: 'agent', body: 'api/account.update.json', partialBody: true,
    summary: "Change the signed-in agent's own name",
    async handle({ actor, body, platform }) {
      const { first_name, last_name } = body as { first_name?: string; last_name?: string };
      await tx().update(Agent, { id: actor.agentId }, {
        ...(first_name !== undefined ? { first_name } : {}),
        ...(last_name !== undefined ? { last_name } : {}),
        updated_at: () => 'now()',
      });
      return loadAgentJson(actor.agentId, platform.clock.now());
    },
  }),
  route({
    // Public for the router: it checks the bearer token itself, outside any transaction, so a wrong password is counted.
    method: 'post', path: '/api/v1/auth/password', tag: 'auth', access: 'public', body: 'api/password.change.json',
    summary: "Change the signed-in agent's password (bearer token and current password required); closes the agent's other sessions",
    async handle({ body, platform, koa }) {
      await changePassword(platform, koa, body as { current_password: string; password: string });
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/password_resets', tag: 'auth', access: 'public', body: 'api/password_reset.request.json',
    summary: 'Forgotten password: emails a single-use link (valid one hour) to the agent with this address, if any; answers 202 alike for any address',
    async handle({ body, platform, koa }) {
      await requestPasswordReset(platform, koa, (body as { email: string }).email);
      return new Reply(202, { sent_if_known: true });
    },
  }),
  route({
    method: 'get', path: '/api/v1/auth/password_resets/:token', tag: 'auth', access: 'public',
    summary: 'Whether a password link still opens (404 unknown, 410 used or expired)',
    async handle({ params, platform }) {
      return checkPasswordReset(platform, params.token);
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/password_resets/:token', tag: 'auth', access: 'public', body: 'api/password_reset.json',
    summary: "Choose a new password with the emailed link; closes the agent's sessions and answers a new bearer token",
    async handle({ params, body, platform }) {
      // A link that cannot be used is refused before the (dear) hash.
      await checkPasswordReset(platform, params.token);
      const passwordHash = await hashPassword((body as { password: string }).password);
      return completePasswordReset(platform, params.token, passwordHash);
    },
  }),
];
