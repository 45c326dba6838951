import { loadAgentJson } from '../agents/agents';
import { AttemptCounter, countedAsWrongGuess } from '../booking/attempts';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { route } from '../http/route';
import { consoleLog } from '../logging';
import type { Platform } from '../platform';
import { bearerToken } from './authenticate';
import { verifyPassword } from './secrets';
import { issueToken, revokeToken } from './sessions';

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
      const byAccount = new AttemptCounter(platform, `sign_in:${email.toLowerCase()}`, ACCOUNT_LIMITS);
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
];
