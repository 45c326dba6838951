/**
 * An agent's Microsoft tokens (the agent's sealed secrets) and Graph calls made with them:
 * a refused access token is refreshed once and the call repeated, the rotated refresh token
 * stored at once (INTEGRATIONS.md §2: connections were lost after 90 days without it).
 */
import type { PluginContext } from '../../platform/src/plugins/sdk';
import type { OutlookConfig } from './config';
import { Endpoints, graph, GraphAnswer, MicrosoftError, refreshTokens, Revoked, Tokens, Unauthorized } from './microsoft';

type Context = PluginContext<OutlookConfig>;

const ACCESS_TOKEN = 'access_token';
const REFRESH_TOKEN = 'refresh_token';

export async function storeTokens(ctx: Context, agentId: string, tokens: Tokens): Promise<void> {
  const secrets = ctx.agentSecrets(agentId);
  await ctx.db.transaction(async () => {
    await secrets.set(ACCESS_TOKEN, tokens.access_token);
    await secrets.set(REFRESH_TOKEN, tokens.refresh_token);
  });
}

export async function forgetTokens(ctx: Context, agentId: string): Promise<void> {
  const secrets = ctx.agentSecrets(agentId);
  await ctx.db.transaction(async () => {
    await secrets.delete(ACCESS_TOKEN);
    await secrets.delete(REFRESH_TOKEN);
  });
}

/** Graph as one agent, for one job run (`attempt` sets the back-off when Graph gives no Retry-After). */
export class GraphSession {
  private accessToken: string | null | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly endpoints: Endpoints,
    readonly agentId: string,
    private readonly attempt: number,
  ) {}

  async call(call: Parameters<typeof graph>[4]): Promise<GraphAnswer> {
    this.accessToken ??= await this.ctx.agentSecrets(this.agentId).get(ACCESS_TOKEN);
    if (!this.accessToken) throw new Revoked();
    try {
      return await graph(this.ctx, this.endpoints, this.accessToken, this.attempt, call);
    } catch (error) {
      if (!(error instanceof Unauthorized)) throw error;
    }
    this.accessToken = await this.refresh();
    try {
      return await graph(this.ctx, this.endpoints, this.accessToken, this.attempt, call);
    } catch (error) {
      if (error instanceof Unauthorized) throw new MicrosoftError(401, null, `${call.what} : Microsoft refuse aussi le jeton renouvelé`);
      throw error;
    }
  }

  private async refresh(): Promise<string> {
    const secrets = this.ctx.agentSecrets(this.agentId);
    const refreshToken = await secrets.get(REFRESH_TOKEN);
    if (!refreshToken) throw new Revoked();
    try {
      const tokens = await refreshTokens(this.ctx, this.endpoints, refreshToken, this.attempt);
      await storeTokens(this.ctx, this.agentId, tokens);
      return tokens.access_token;
    } catch (error) {
      // Another job of this agent may have rotated the refresh token meanwhile: the one it stored is good.
      if (error instanceof Revoked && (await secrets.get(REFRESH_TOKEN)) !== refreshToken) {
        const rotated = await secrets.get(ACCESS_TOKEN);
        if (rotated) return rotated;
      }
      throw error;
    }
  }
}
