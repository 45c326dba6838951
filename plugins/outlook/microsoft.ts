/**
 * The Microsoft identity platform (OAuth 2.0 authorization code flow) and Microsoft Graph's
 * calendar, as INTEGRATIONS.md §2 describes them. Answers become typed failures the sync
 * acts on; no message carries a token.
 */
import type { HttpResponse, PluginContext } from '../../platform/src/plugins/sdk';
import type { OutlookConfig } from './config';

type Context = PluginContext<OutlookConfig>;

export const DEFAULT_AUTHORITY_URL = 'https://login.microsoftonline.com/common/oauth2/v2.0';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const SCOPES = 'offline_access openid email profile User.Read Calendars.ReadWrite';
/** Without `Retry-After`, the first wait of the exponential back-off. */
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;

/** Graph or the identity platform asked to wait (429, 503): never retry sooner than `retryAfterMs`. */
export class Throttled extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Microsoft a demandé d’attendre ${Math.ceil(retryAfterMs / 1000)} s avant de réessayer`);
  }
}

/** The refresh token no longer works (revoked, expired, password changed): the agent must connect again. */
export class Revoked extends Error {
  constructor() {
    super('Microsoft a refusé la connexion enregistrée : reconnectez Outlook');
  }
}

/** The access token was refused (401). */
export class Unauthorized extends Error {
  constructor() {
    super('Microsoft a refusé le jeton d’accès');
  }
}

/** Any other refusal or failure, in French, with Graph's error code when it gave one. */
export class MicrosoftError extends Error {
  constructor(readonly status: number, readonly code: string | null, message: string) {
    super(message);
  }
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

export interface Endpoints {
  clientId: string;
  clientSecret: string;
  authorityUrl: string;
  graphUrl: string;
  redirectUri: string;
}

/** The Azure application the instance declares, or null until its id and secret are set. */
export function endpointsOf(ctx: Context): Endpoints | null {
  const { clientId, clientSecret, authorityUrl, graphUrl } = ctx.instance;
  if (!clientId || !clientSecret) return null;
  return {
    clientId,
    clientSecret,
    authorityUrl: (authorityUrl ?? DEFAULT_AUTHORITY_URL).replace(/\/$/, ''),
    graphUrl: (graphUrl ?? DEFAULT_GRAPH_URL).replace(/\/$/, ''),
    redirectUri: `${ctx.core.links.partnerRoutes()}/callback`,
  };
}

export function authorizeUrl(endpoints: Endpoints, state: string, loginHint: string | null): string {
  const query = new URLSearchParams({
    client_id: endpoints.clientId, response_type: 'code', redirect_uri: endpoints.redirectUri, response_mode: 'query',
    scope: SCOPES, state, prompt: 'select_account', ...(loginHint ? { login_hint: loginHint } : {}),
  });
  return `${endpoints.authorityUrl}/authorize?${query}`;
}

/** `Retry-After` in seconds (or an HTTP date), else the back-off for this attempt. */
export function retryAfterMs(response: HttpResponse, attempt: number, now: Date): number {
  const header = response.headers['retry-after'];
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now.getTime());
  }
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

function parse(response: HttpResponse): Record<string, any> {
  try {
    return response.body ? JSON.parse(response.body) : {};
  } catch {
    return {};
  }
}

function throttledOrFailed(response: HttpResponse, attempt: number, now: Date, what: string): Error {
  if (response.status === 429 || response.status === 503) return new Throttled(retryAfterMs(response, attempt, now));
  const body = parse(response);
  const code: string | null = body.error?.code ?? (typeof body.error === 'string' ? body.error : null);
  return new MicrosoftError(response.status, code, `${what} : Microsoft a répondu ${response.status}${code ? ` (${code})` : ''}`);
}

async function tokenRequest(ctx: Context, endpoints: Endpoints, grant: Record<string, string>, attempt: number): Promise<Tokens> {
  const response = await ctx.http.request(`${endpoints.authorityUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: endpoints.clientId, client_secret: endpoints.clientSecret, scope: SCOPES, ...grant }).toString(),
  });
  const body = parse(response);
  if (response.status === 200 && typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
    return { access_token: body.access_token, refresh_token: body.refresh_token };
  }
  if (response.status === 400 && body.error === 'invalid_grant') {
    if (grant.grant_type === 'refresh_token') throw new Revoked();
    throw new MicrosoftError(400, 'invalid_grant', 'Microsoft a refusé le code de connexion (expiré ou déjà utilisé) : recommencez');
  }
  throw throttledOrFailed(response, attempt, ctx.now(), 'Obtention du jeton');
}

export function redeemCode(ctx: Context, endpoints: Endpoints, code: string): Promise<Tokens> {
  return tokenRequest(ctx, endpoints, { grant_type: 'authorization_code', code, redirect_uri: endpoints.redirectUri }, 1);
}

export function refreshTokens(ctx: Context, endpoints: Endpoints, refreshToken: string, attempt: number): Promise<Tokens> {
  return tokenRequest(ctx, endpoints, { grant_type: 'refresh_token', refresh_token: refreshToken }, attempt);
}

export interface GraphAnswer {
  status: number;
  body: Record<string, any>;
}

/** One Graph call with an access token: a 401 is Unauthorized, 429/503 Throttled, other failures MicrosoftError unless `accept`ed. */
export async function graph(
  ctx: Context, endpoints: Endpoints, accessToken: string, attempt: number,
  call: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; body?: unknown; accept?: number[]; what: string },
): Promise<GraphAnswer> {
  const response = await ctx.http.request(`${endpoints.graphUrl}${call.path}`, {
    method: call.method,
    headers: {
      authorization: `Bearer ${accessToken}`, accept: 'application/json',
      ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
  });
  if (response.status === 401) throw new Unauthorized();
  if ((response.status >= 200 && response.status < 300) || call.accept?.includes(response.status)) return { status: response.status, body: parse(response) };
  throw throttledOrFailed(response, attempt, ctx.now(), call.what);
}

/** Graph's error code of a refused call (`ErrorDuplicateTransactionId`, `ErrorItemNotFound`). */
export function graphErrorCode(answer: GraphAnswer): string | null {
  return answer.body.error?.code ?? null;
}
