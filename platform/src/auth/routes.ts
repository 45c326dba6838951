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
import { isConfigured, oidcSignOutUrl, OidcCallback, startOidcSignIn } from './oidc';
import { checkPasswordReset, completePasswordReset, requestPasswordReset } from './password-resets';
import { checkPasswordAllowed, proConnectAgent } from './proconnect';
import { hashPassword, verifyPassword } from './secrets';
import { issueToken, revokeAgentSessions, revokeToken } from './sessions';
import {
  agentOfSecondStep, checkSecondStep, confirmEnrolment, disableSecondFactor, secondFactorStatus, secondStepAnswer, startEnrolment,
} from './totp';

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

/** Wrong passwords and codes from one address, whatever the account. */
function addressCounter(platform: Platform, koa: Context): AttemptCounter {
  return new AttemptCounter(platform, `sign_in_address:${koa.ip}`, ADDRESS_LIMITS);
}

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
  const { agentId, token } = await signedInAgent(platform, koa);
  const [agent] = await platform.db.systemStatement<{ email: string; password_hash: string }>(
    `SELECT email, password_hash FROM agents WHERE id = $1`, [agentId]);
  await accountCounter(platform, agent.email).guard(koa, async () => {
    if (!(await verifyPassword(body.current_password, agent.password_hash))) {
      throw countedAsWrongGuess(AppError.invalidField('current_password', 'is not your current password'));
    }
  });
  const passwordHash = await hashPassword(body.password);
  await platform.db.system(async () => {
    await tx().query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [agentId, passwordHash]);
    await revokeAgentSessions(platform, agentId, token);
  });
}

/** The signed-in agent's identity, for the routes that check the bearer token themselves (outside any transaction). */
async function signedInAgent(platform: Platform, koa: Context): Promise<{ agentId: string; token: string }> {
  const token = bearerToken(koa);
  const actor = await authenticate(platform, token);
  if (actor.kind !== 'agent') throw AppError.forbidden('This route is for agents');
  return { agentId: actor.agentId, token };
}

/** A session for the agent: the bearer token and who they are. */
async function openAgentSession(platform: Platform, agentId: string, territoryId: string, proconnectIdToken?: string) {
  const token = await platform.db.system(() => issueToken(platform, { agentId, proconnectIdToken }));
  const agent = await platform.db.tenant(territoryId, () => loadAgentJson(agentId, platform.clock.now()));
  return { token, agent };
}

/**
 * The agent's (or platform admin's) token for these credentials; a wrong password is a
 * counted guess. An agent with an application code gets, instead, a short-lived token
 * for the second step (POST /api/v1/auth/sign_in/second_factor), which opens nothing else.
 */
async function signIn(platform: Platform, email: string, password: string) {
  const found = await platform.db.system(async () => {
    const [agent] = await tx().query(
      `SELECT id, territory_id, password_hash, totp_enabled_at FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL`, [email]);
    const [admin] = agent ? [] : await tx().query(`SELECT id, password_hash FROM platform_admins WHERE lower(email) = lower($1)`, [email]);
    return { agent, admin };
  });
  const account = found.agent ?? found.admin;
  // An invited agent who has not chosen a password yet, or an intervenant, cannot sign in.
  if (!(await verifyPassword(password, account?.password_hash))) {
    consoleLog('warn', 'sign-in refused', { account_known: Boolean(account) });
    throw countedAsWrongGuess(new AppError('unauthenticated', WRONG_CREDENTIALS));
  }
  if (found.agent) await checkPasswordAllowed(platform, found.agent.territory_id);
  if (found.agent?.totp_enabled_at) return secondStepAnswer(platform, found.agent.id);
  if (found.agent) return openAgentSession(platform, found.agent.id, found.agent.territory_id);
  const token = await platform.db.system(() => issueToken(platform, { platformAdminId: found.admin.id }));
  return { token, agent: { id: found.admin.id, email, platform_admin: true } };
}

export const authRoutes = [
  route({
    method: 'post', path: '/api/v1/auth/sign_in', tag: 'auth', access: 'public', body: 'api/sign_in.json',
    summary: 'Sign in with email and password; answers a bearer token, or for an agent with an application code {second_factor: totp, second_factor_token, expires_at} for the second step (paused with 429 after too many wrong passwords for the account or from the address)',
    async handle({ body, platform, koa }) {
      const { email, password } = body as Credentials;
      const byAccount = accountCounter(platform, email);
      return addressCounter(platform, koa).guard(koa, () => byAccount.guard(koa, () => signIn(platform, email, password)));
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/sign_in/second_factor', tag: 'auth', access: 'public', body: 'api/sign_in.second_factor.json',
    summary: "Sign in's second step: the token of the password step (5 minutes) and the application's code or a recovery code; answers the bearer token. A code is accepted once; wrong codes count toward the address's sign-in pause and the account's (10, then 429)",
    async handle({ body, platform, koa }) {
      const { token, code } = body as { token: string; code: string };
      const agentId = agentOfSecondStep(platform, token);
      await addressCounter(platform, koa).guard(koa, () => checkSecondStep(platform, koa, agentId, code));
      const [agent] = await platform.db.systemStatement<{ territory_id: string }>(
        `SELECT territory_id FROM agents WHERE id = $1 AND deleted_at IS NULL`, [agentId]);
      if (!agent) throw new AppError('unauthenticated', 'The agent no longer exists');
      return openAgentSession(platform, agentId, agent.territory_id);
    },
  }),
  route({
    method: 'get', path: '/api/v1/auth/second_factor', tag: 'auth', access: 'agent',
    summary: "Whether the signed-in agent's application code (TOTP) is on, since when, and how many recovery codes are left",
    async handle({ actor, platform }) {
      return secondFactorStatus(platform, actor.agentId);
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/second_factor/setup', tag: 'auth', access: 'agent',
    summary: 'Set up an application code: a new secret (as text, otpauth URL and QR code image) that the first code confirms; 409 when already on',
    async handle({ actor, platform }) {
      return startEnrolment(platform, actor.agentId);
    },
  }),
  route({
    // Public for the router: it checks the bearer token itself, outside any transaction, so a wrong code is counted.
    method: 'post', path: '/api/v1/auth/second_factor/confirm', tag: 'auth', access: 'public', body: 'api/second_factor.confirm.json',
    summary: 'Turn the application code on with its first code; answers the 10 one-time recovery codes, shown this once (stored hashed)',
    async handle({ body, platform, koa }) {
      const { agentId } = await signedInAgent(platform, koa);
      return confirmEnrolment(platform, koa, agentId, (body as { code: string }).code);
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/second_factor/disable', tag: 'auth', access: 'public', body: 'api/second_factor.disable.json',
    summary: 'Turn the application code off with the password and a code (or a recovery code); wrong ones are counted',
    async handle({ body, platform, koa }) {
      const { agentId } = await signedInAgent(platform, koa);
      await disableSecondFactor(platform, koa, agentId, body as { password: string; code: string });
      return undefined;
    },
  }),
  route({
    method: 'get', path: '/api/v1/auth/proconnect', tag: 'auth', access: 'public',
    summary: 'Whether agents may sign in with ProConnect on this instance ({configured})',
    async handle({ platform }) {
      return { configured: isConfigured(platform, 'proconnect') };
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/proconnect/start', tag: 'auth', access: 'public',
    summary: "Start signing in with ProConnect: {authorization_url} to send the browser to (state and nonce kept 10 minutes); 404 when the instance is not registered with ProConnect, 503 when ProConnect does not answer",
    async handle({ platform }) {
      return startOidcSignIn(platform, 'proconnect');
    },
  }),
  route({
    method: 'post', path: '/api/v1/auth/proconnect/callback', tag: 'auth', access: 'public', body: 'api/oidc.callback.json',
    summary: "End signing in with ProConnect: the code and state ProConnect sent back to /admin/proconnect/callback; answers the bearer token and the agent. The state is used once; 401 for an unknown, used or stale state, a code ProConnect refuses, or an email with no agent account (no account is created); 503 when ProConnect does not answer",
    async handle({ body, platform }) {
      const { agentId, territoryId, idToken } = await proConnectAgent(platform, body as OidcCallback);
      return openAgentSession(platform, agentId, territoryId, idToken);
    },
  }),
  route({
    method: 'delete', path: '/api/v1/auth/sign_out', tag: 'auth', access: 'public',
    summary: "Revoke the bearer token; for a session opened with ProConnect, answers {end_session_url} to send the browser to, which ends ProConnect's session too",
    async handle({ koa, platform }) {
      const token = bearerToken(koa);
      const { proconnectIdToken } = await platform.db.system(() => revokeToken(platform, token));
      const endSessionUrl = proconnectIdToken ? await oidcSignOutUrl(platform, 'proconnect', proconnectIdToken) : null;
      return endSessionUrl ? { end_session_url: endSessionUrl } : undefined;
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
    summary: 'Forgotten password: emails a single-use link (valid one hour) to the agent with this address, if any (none when their territory requires ProConnect); answers 202 alike for any address',
    async handle({ body, platform, koa }) {
      await requestPasswordReset(platform, koa, (body as { email: string }).email);
      return new Reply(202, { sent_if_known: true });
    },
  }),
  route({
    method: 'get', path: '/api/v1/auth/password_resets/:token', tag: 'auth', access: 'public',
    summary: 'Whether a password link still opens (404 unknown, 410 used or expired, 403 when the territory requires ProConnect)',
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
