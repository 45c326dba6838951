/**
 * The Microsoft identity platform and Microsoft Graph's calendar, faked by a real HTTP
 * server on 127.0.0.1 (INTEGRATIONS.md §2). Identity: `/authorize` signs the agent in at
 * once and sends the browser back with a code (or the agent's refusal), `/token` redeems
 * codes and refresh tokens, rotating the refresh token each time (the previous one stops
 * working). Graph: `/me`, `/me/events` created (a transactionId used twice is refused with
 * ErrorDuplicateTransactionId), found by a single-value extended property, patched and deleted. Tests read the
 * calendars and every call, and ask for faults: expired access tokens (401), a revoked
 * connection (invalid_grant), 429 or 503 with Retry-After, an answer lost after the work
 * was done (a worker dying mid-call).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeAccount {
  email: string;
  name: string;
}

export interface CalendarEvent {
  id: string;
  transactionId: string;
  subject: string;
  body: { contentType: string; content: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  location: { displayName: string };
  attendees: unknown[];
  singleValueExtendedProperties?: { id: string; value: string }[];
  [other: string]: unknown;
}

export interface MicrosoftCall {
  method: string;
  /** `/token`, `/me/events`, `/me/events/<id>`. */
  path: string;
  /** The account whose token was sent (Graph), or null. */
  account: string | null;
  /** Form parameters (`/token`) or the JSON body. */
  body: Record<string, any> | null;
  /** Date.now() when it arrived. */
  at: number;
}

export interface MicrosoftFault {
  /** `POST /me/events`, `PATCH /me/events`, `DELETE /me/events`, `POST /token`; every call when absent. */
  on?: string;
  /** Only calls with this account's token. */
  account?: string;
  /** Answer this status (with Retry-After when given)... */
  status?: number;
  retryAfter?: string;
  /** ...or do the work and lose the answer (the connection is cut). */
  loseAnswer?: boolean;
  times?: number;
}

interface Grant {
  account: string;
  redirectUri: string;
}

export class FakeMicrosoft {
  readonly calls: MicrosoftCall[] = [];
  /** Each account's calendar: event id → event. */
  private readonly calendars = new Map<string, Map<string, CalendarEvent>>();
  private readonly accounts = new Map<string, FakeAccount>();
  private readonly codes = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, string>();
  private readonly refreshTokens = new Map<string, string>();
  /** Refresh tokens issued then rotated away or revoked: refused. */
  private readonly deadTokens = new Set<string>();
  private signInAs: string | null = null;
  private refuseSignIn = false;
  private faults: MicrosoftFault[] = [];
  private nextId = 1;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: http.Server, readonly url: string, readonly clientId: string, readonly clientSecret: string) {}

  static async start(clientId = 'fake-client-id', clientSecret = 'fake-client-secret-0123456789'): Promise<FakeMicrosoft> {
    let fake!: FakeMicrosoft;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => fake.handle(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeMicrosoft(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clientId, clientSecret);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    return fake;
  }

  /** The instance settings pointing the platform here. */
  get env(): Record<string, string> {
    return {
      OUTLOOK_CLIENT_ID: this.clientId, OUTLOOK_CLIENT_SECRET: this.clientSecret,
      OUTLOOK_AUTHORITY_URL: `${this.url}/common/oauth2/v2.0`, OUTLOOK_GRAPH_URL: `${this.url}/v1.0`,
    };
  }

  addAccount(account: FakeAccount): void {
    this.accounts.set(account.email, account);
    this.calendars.set(account.email, new Map());
  }

  /** The account the next sign-ins choose (the login_hint's by default). */
  chooseAccount(email: string | null): void {
    this.signInAs = email;
  }

  /** The next sign-in is refused by the agent (`error=access_denied`). */
  refuseNextSignIn(): void {
    this.refuseSignIn = true;
  }

  /** The account's access tokens expire: Graph answers 401 until refreshed. */
  expireAccessTokens(email: string): void {
    for (const [token, account] of this.accessTokens) if (account === email) this.accessTokens.delete(token);
  }

  /** The account's refresh tokens are revoked (password changed, consent withdrawn): invalid_grant. */
  revoke(email: string): void {
    this.expireAccessTokens(email);
    for (const [token, account] of this.refreshTokens) {
      if (account === email) {
        this.refreshTokens.delete(token);
        this.deadTokens.add(token);
      }
    }
  }

  /** Every token ever issued, to look for them where they must not be. */
  readonly issuedTokens: string[] = [];

  fail(fault: MicrosoftFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The account's calendar, oldest event first. */
  events(email: string): CalendarEvent[] {
    return [...(this.calendars.get(email)?.values() ?? [])];
  }

  /** The agent deletes an event in Outlook. */
  deleteEvent(email: string, id: string): void {
    this.calendars.get(email)?.delete(id);
  }

  callsTo(route: string): MicrosoftCall[] {
    return this.calls.filter((call) => `${call.method} ${call.path.replace(/^\/me\/events\/.+$/, '/me/events/:id')}` === route);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, text: string, response: http.ServerResponse): void {
    const url = new URL(request.url!, 'http://fake');
    const path = url.pathname.replace(/^\/common\/oauth2\/v2\.0/, '').replace(/^\/v1\.0/, '');
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const account = bearer ? this.accessTokens.get(bearer) ?? null : null;
    let body: Record<string, any> | null = null;
    if (text) body = request.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
    const call: MicrosoftCall = { method: request.method!, path, account, body, at: Date.now() };
    if (path !== '/authorize') this.calls.push(call);

    const route = `${call.method} ${path.replace(/^\/me\/events\/.+$/, '/me/events')}`;
    const fault = this.faults.find((candidate) => (!candidate.on || candidate.on === route) && (!candidate.account || candidate.account === account));
    if (fault) {
      fault.times! -= 1;
      if (fault.times! <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    if (fault?.status !== undefined) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) };
      response.writeHead(fault.status, headers);
      const code = ({ 429: 'TooManyRequests', 503: 'ServiceUnavailable' } as Record<number, string>)[fault.status] ?? 'InternalServerError';
      response.end(JSON.stringify({ error: { code, message: 'fault' } }));
      return;
    }
    const answer = this.answer(call, url, bearer);
    if (fault?.loseAnswer) {
      request.socket.destroy();
      return;
    }
    response.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/json' });
    response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private answer(call: MicrosoftCall, url: URL, bearer: string | undefined): { status: number; body?: unknown; headers?: Record<string, string> } {
    const json = (status: number, body?: unknown) => ({ status, body });
    const graphError = (status: number, code: string) => json(status, { error: { code, message: code } });
    if (call.method === 'GET' && call.path === '/authorize') return this.authorize(url);
    if (call.method === 'POST' && call.path === '/token') return this.token(call.body ?? {});
    if (!call.account) return graphError(401, bearer ? 'InvalidAuthenticationToken' : 'Unauthorized');
    const calendar = this.calendars.get(call.account)!;
    if (call.method === 'GET' && call.path === '/me') {
      const { email, name } = this.accounts.get(call.account)!;
      return json(200, { displayName: name, mail: email, userPrincipalName: email });
    }
    if (call.method === 'GET' && call.path === '/me/events') {
      // Only the filter the plugin sends: an extended property's value.
      const [, propertyId, value] = /^singleValueExtendedProperties\/Any\(ep: ep\/id eq '(.+)' and ep\/value eq '(.+)'\)$/.exec(url.searchParams.get('$filter') ?? '') ?? [];
      if (!propertyId) return graphError(400, 'ErrorInvalidProperty');
      const carries = (event: CalendarEvent) => event.singleValueExtendedProperties?.some((property) => property.id === propertyId && property.value === value);
      return json(200, { value: [...calendar.values()].filter(carries).map(({ id }) => ({ id })) });
    }
    if (call.method === 'POST' && call.path === '/me/events') {
      const event = call.body as CalendarEvent;
      if (event.transactionId && [...calendar.values()].some((held) => held.transactionId === event.transactionId)) {
        return graphError(400, 'ErrorDuplicateTransactionId');
      }
      const created = { ...event, id: `AAMkEvent${this.nextId++}` };
      calendar.set(created.id, created);
      return json(201, created);
    }
    const id = /^\/me\/events\/(.+)$/.exec(call.path)?.[1];
    const held = id ? calendar.get(decodeURIComponent(id)) : undefined;
    if (id && !held) return graphError(404, 'ErrorItemNotFound');
    if (call.method === 'PATCH' && held) {
      Object.assign(held, call.body, { id: held.id, transactionId: held.transactionId });
      return json(200, held);
    }
    if (call.method === 'DELETE' && held) {
      calendar.delete(held.id);
      return { status: 204 };
    }
    return graphError(400, 'BadRequest');
  }

  private authorize(url: URL): { status: number; body?: unknown; headers?: Record<string, string> } {
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const state = url.searchParams.get('state') ?? '';
    if (url.searchParams.get('client_id') !== this.clientId || !redirectUri) return { status: 400, body: { error: 'invalid_request' } };
    const back = new URL(redirectUri);
    back.searchParams.set('state', state);
    if (this.refuseSignIn) {
      this.refuseSignIn = false;
      back.searchParams.set('error', 'access_denied');
    } else {
      const account = this.signInAs ?? url.searchParams.get('login_hint') ?? '';
      if (!this.accounts.has(account)) return { status: 400, body: { error: 'unknown account' } };
      const code = `code-${crypto.randomBytes(12).toString('hex')}`;
      this.codes.set(code, { account, redirectUri });
      back.searchParams.set('code', code);
    }
    return { status: 302, headers: { location: back.toString() } };
  }

  private token(form: Record<string, string>): { status: number; body: unknown } {
    const invalidGrant = { status: 400, body: { error: 'invalid_grant', error_description: 'AADSTS70000: grant is invalid' } };
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    let account: string;
    if (form.grant_type === 'authorization_code') {
      const grant = this.codes.get(form.code);
      this.codes.delete(form.code);
      if (!grant || grant.redirectUri !== form.redirect_uri) return invalidGrant;
      account = grant.account;
    } else if (form.grant_type === 'refresh_token') {
      const owner = this.refreshTokens.get(form.refresh_token);
      if (!owner) return invalidGrant;
      // Rotation: the refresh token used is spent.
      this.refreshTokens.delete(form.refresh_token);
      this.deadTokens.add(form.refresh_token);
      account = owner;
    } else {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const accessToken = `at-${crypto.randomBytes(16).toString('hex')}`;
    const refreshToken = `rt-${crypto.randomBytes(16).toString('hex')}`;
    this.accessTokens.set(accessToken, account);
    this.refreshTokens.set(refreshToken, account);
    this.issuedTokens.push(accessToken, refreshToken);
    return { status: 200, body: { token_type: 'Bearer', scope: form.scope, expires_in: 3600, access_token: accessToken, refresh_token: refreshToken } };
  }
}
