/**
 * An agent connects their Outlook calendar from « Mon compte »: the route answers
 * Microsoft's sign-in URL with a state bound to the agent (single use, expiring), the
 * provider sends the browser to the callback, which redeems the code, stores the tokens
 * as the agent's secrets and sends the browser back to « Mon compte » with the result.
 */
import crypto from 'node:crypto';
import { AppError, PartnerReply, PartnerRoute, PluginAgent, PluginContext, PluginRoute } from '../../platform/src/plugins/sdk';
import type { OutlookConfig } from './config';
import { authorizeUrl, endpointsOf, graph, redeemCode } from './microsoft';
import { storeTokens } from './session';
import { queueInitialSync, queueDisconnect } from './sync';

type Context = PluginContext<OutlookConfig>;

const SIGN_IN_MS = 10 * 60_000;
export const CONNECTION_STATUSES = ['connected', 'reconnect', 'disconnecting'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** What « Mon compte » shows; `status` is `disconnected` without a connection. */
export interface ConnectionState {
  /** The plugin is on for one of the agent's organisations. */
  available: boolean;
  /** The instance has its Azure application. */
  configured: boolean;
  status: ConnectionStatus | 'disconnected';
  account_email: string | null;
  account_name: string | null;
  connected_at: string | null;
  last_success_at: string | null;
  /** In French, for the agent. */
  last_error: string | null;
  last_error_at: string | null;
}

const hashOf = (nonce: string) => crypto.createHash('sha256').update(nonce).digest('hex');

/** Whether the plugin is on for one of the agent's organisations. */
async function availableFor(ctx: Context, agent: PluginAgent): Promise<boolean> {
  for (const organisationId of agent.organisationIds) {
    if ((await ctx.settingsFor(organisationId)).enabled) return true;
  }
  return false;
}

export async function connectionState(ctx: Context, agent: PluginAgent): Promise<ConnectionState> {
  const [row] = await ctx.db.query(
    `SELECT status, account_email, account_name, connected_at, last_success_at, last_error, last_error_at
       FROM outlook_connections WHERE agent_id = $1`, [agent.id],
  );
  const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
  return {
    available: await availableFor(ctx, agent),
    configured: endpointsOf(ctx) !== null,
    status: row?.status ?? 'disconnected',
    account_email: row?.account_email ?? null,
    account_name: row?.account_name ?? null,
    connected_at: iso(row?.connected_at ?? null),
    last_success_at: iso(row?.last_success_at ?? null),
    last_error: row?.last_error ?? null,
    last_error_at: iso(row?.last_error_at ?? null),
  };
}

export const connectionRoutes: PluginRoute<OutlookConfig>[] = [
  {
    method: 'get', path: '/connection', summary: "The signed-in agent's Outlook connection: whom it writes to, last success, last error",
    async handle({ agent, ctx }) {
      return connectionState(ctx, agent);
    },
  },
  {
    method: 'post', path: '/connection', summary: "Starts connecting the signed-in agent's Outlook: answers Microsoft's sign-in URL (valid 10 minutes, once)",
    async handle({ agent, ctx }) {
      if (!(await availableFor(ctx, agent))) throw AppError.forbidden('La synchronisation Outlook n’est activée pour aucune de vos organisations');
      const endpoints = endpointsOf(ctx);
      if (!endpoints) throw new AppError('unavailable', 'L’application Outlook de la plateforme n’est pas configurée (OUTLOOK_CLIENT_ID, OUTLOOK_CLIENT_SECRET)');
      const nonce = crypto.randomBytes(32).toString('base64url');
      const now = ctx.now();
      await ctx.db.query(`DELETE FROM outlook_sign_ins WHERE agent_id = $1 OR expires_at < $2`, [agent.id, now]);
      await ctx.db.query(
        `INSERT INTO outlook_sign_ins (state_hash, territory_id, agent_id, expires_at) VALUES ($1, $2, $3, $4)`,
        [hashOf(nonce), ctx.territoryId, agent.id, new Date(now.getTime() + SIGN_IN_MS)],
      );
      const email = (await ctx.core.agent(agent.id))?.email ?? null;
      // The territory travels in the state: the callback knows where to look for the sign-in.
      return { authorize_url: authorizeUrl(endpoints, `${ctx.territoryId}.${nonce}`, email) };
    },
  },
  {
    method: 'delete', path: '/connection', status: 202,
    summary: "Disconnects the signed-in agent's Outlook: the events written are deleted, then the tokens forgotten",
    async handle({ agent, ctx }) {
      const [row] = await ctx.db.query(
        `UPDATE outlook_connections SET status = 'disconnecting', updated_at = now() WHERE agent_id = $1 RETURNING agent_id`, [agent.id],
      );
      if (!row) throw AppError.notFound('Connection');
      await queueDisconnect(ctx, agent.id);
      return connectionState(ctx, agent);
    },
  },
];

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Where Microsoft sends the browser back: `?code&state`, or `?error&state` when the agent refused. */
export const callbackRoutes: PartnerRoute<OutlookConfig>[] = [{
  method: 'get', path: '/callback', summary: 'Microsoft sign-in callback: stores the agent’s tokens, sends the browser back to « Mon compte »',
  async handle(request) {
    const [territoryId, nonce] = (single(request.query.state) ?? '').split('.');
    if (!territoryId || !nonce) return new PartnerReply(400, 'Lien de connexion Outlook invalide : recommencez depuis « Mon compte ».', { 'content-type': 'text/plain; charset=utf-8' });
    const { ctx, agentId } = await request.inTerritory(territoryId, async (ctx) => {
      const [signIn] = await ctx.db.query<{ agent_id: string }>(
        `DELETE FROM outlook_sign_ins WHERE state_hash = $1 AND expires_at > $2 RETURNING agent_id::text AS agent_id`, [hashOf(nonce), ctx.now()],
      );
      return { ctx, agentId: signIn?.agent_id ?? null };
    });
    const back = (outlook: string) => PartnerReply.redirect(ctx.core.links.adminAccount({ outlook }));
    if (!agentId) return back('expired');
    const code = single(request.query.code);
    const endpoints = endpointsOf(ctx);
    if (!code || !endpoints) return back('refused');
    // Outside any transaction: Microsoft is called, then what it answered is stored.
    try {
      const tokens = await redeemCode(ctx, endpoints, code);
      const { body: me } = await graph(ctx, endpoints, tokens.access_token, 1, { method: 'GET', path: '/me?$select=displayName,mail,userPrincipalName', what: 'Lecture du compte' });
      await ctx.db.transaction(async () => {
        await storeTokens(ctx, agentId, tokens);
        await ctx.db.query(
          `INSERT INTO outlook_connections (agent_id, territory_id, status, account_email, account_name, connected_at)
           VALUES ($1, $2, 'connected', $3, $4, $5)
           ON CONFLICT (agent_id) DO UPDATE SET status = 'connected', account_email = EXCLUDED.account_email, account_name = EXCLUDED.account_name,
             connected_at = EXCLUDED.connected_at, last_error = NULL, last_error_at = NULL, updated_at = now()`,
          [agentId, ctx.territoryId, me.mail ?? me.userPrincipalName ?? null, me.displayName ?? null, ctx.now()],
        );
      });
    } catch (error) {
      ctx.logger.warn('outlook connection failed', { agent_id: agentId, error: (error as Error).message });
      return back('failed');
    }
    await queueInitialSync(ctx, agentId);
    return back('connected');
  },
}];
