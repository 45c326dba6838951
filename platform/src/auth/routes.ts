import { loadAgentJson } from '../agents/agents';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { route } from '../http/route';
import { bearerToken } from './authenticate';
import { verifyPassword } from './secrets';
import { issueToken, revokeToken } from './sessions';

interface Credentials {
  email: string;
  password: string;
}

const WRONG_CREDENTIALS = 'Wrong email or password';

export const authRoutes = [
  route({
    method: 'post', path: '/api/v1/auth/sign_in', tag: 'auth', access: 'public', body: 'api/sign_in.json',
    summary: 'Sign in with email and password; answers a bearer token',
    async handle({ body, platform }) {
      const { email, password } = body as Credentials;
      const found = await platform.db.system(async () => {
        const [agent] = await tx().query(
          `SELECT id, territory_id, password_hash FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL`, [email]);
        const [admin] = agent ? [] : await tx().query(`SELECT id, password_hash FROM platform_admins WHERE lower(email) = lower($1)`, [email]);
        return { agent, admin };
      });
      const account = found.agent ?? found.admin;
      // An invited agent who has not chosen a password yet, or an intervenant, cannot sign in.
      if (!(await verifyPassword(password, account?.password_hash))) throw new AppError('unauthenticated', WRONG_CREDENTIALS);
      if (found.agent) {
        const token = await platform.db.system(() => issueToken(platform, { agentId: found.agent.id }));
        const agent = await platform.db.tenant(found.agent.territory_id, () => loadAgentJson(found.agent.id, platform.clock.now()));
        return { token, agent };
      }
      const token = await platform.db.system(() => issueToken(platform, { platformAdminId: found.admin.id }));
      return { token, agent: { id: found.admin.id, email, platform_admin: true } };
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
