import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { OidcProviderName } from '../../platform/src/auth/oidc';
import { OIDC_PROVIDERS } from '../../platform/src/auth/oidc';
import type { PlatformConfig } from '../../platform/src/config';
import { TestPlatform } from './platform';

/** The claims of a person the provider knows; `sub` is given by the provider (it differs from the email). */
export type TestIdentity = Record<string, string>;

interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

/**
 * A real OpenID Connect provider (oidc-provider) on loopback, standing in for ProConnect
 * or FranceConnect: discovery, one registered confidential client, id tokens and userinfo
 * answers signed (RS256) with its own key, `acr_values=eidas1`, RP-initiated logout.
 * There is no login page: the person the next authorization signs in is set with
 * `signInAs`, and `authorize` drives the browser's redirects (with its cookies) from the
 * authorization URL to the client's redirect URI. `failWith(503)` makes every endpoint
 * answer that status (the provider down), `authorizationCodeTtl` shortens codes' life.
 */
export class TestOidcProvider {
  /** Seconds an authorization code lives (60 by default, as ProConnect's). */
  authorizationCodeTtl = 60;
  private identity: TestIdentity | null = null;
  private readonly subjects = new Map<string, string>();
  private readonly identities = new Map<string, TestIdentity>();
  private fault: number | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    readonly issuer: string,
    private readonly server: http.Server,
    private provider: Provider | null,
  ) {}

  /** Listens on loopback: the issuer is known, the client is registered next (its redirect URIs name the platform's port). */
  static async listen(): Promise<TestOidcProvider> {
    const server = http.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const test = new TestOidcProvider(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, null);
    server.on('connection', (socket) => {
      test.sockets.add(socket);
      socket.on('close', () => test.sockets.delete(socket));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => test.answer(req, res));
    return test;
  }

  /** Registers the one client and the scopes (each a claim of the same name, `openid` giving `sub`). */
  register(client: ClientRegistration, scopes: string[]): void {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
    this.provider = new Provider(this.issuer, {
      clients: [{
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
      }],
      jwks: { keys: [key] },
      scopes,
      claims: Object.fromEntries(scopes.map((scope) => [scope, scope === 'openid' ? ['sub'] : [scope]])),
      acrValues: ['eidas1'],
      features: { devInteractions: { enabled: false }, jwtUserinfo: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
      ttl: { AuthorizationCode: () => this.authorizationCodeTtl, Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600 },
      findAccount: (_ctx, sub) => {
        const identity = this.identities.get(sub);
        return identity ? { accountId: sub, claims: () => ({ ...identity, sub }) } : undefined;
      },
      // Every scope asked is granted: no consent screen.
      loadExistingGrant: async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        if (!accountId || !ctx.oidc.client) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
        grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
        await grant.save();
        return grant;
      },
    });
    this.callback = this.provider.callback();
  }

  private callback: ((req: http.IncomingMessage, res: http.ServerResponse) => unknown) | null = null;

  /**
   * Set, the userinfo answer's JWT has its email replaced by this one, its signature kept:
   * what a man in the middle would send. A client that checks signatures refuses it.
   */
  forgedUserinfoEmail: string | null = null;

  private forge(jwt: string): string {
    const [header, payload, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, email: this.forgedUserinfoEmail })).toString('base64url');
    return [header, forged, signature].join('.');
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.forgedUserinfoEmail && req.url?.startsWith('/me')) {
      const { setHeader, end } = res;
      res.setHeader = ((name: string, value: number | string | readonly string[]) =>
        (name.toLowerCase() === 'content-length' ? res : setHeader.call(res, name, value))) as typeof res.setHeader;
      const send = end as (...args: unknown[]) => http.ServerResponse;
      res.end = ((chunk?: unknown, ...rest: unknown[]) =>
        send.call(res, typeof chunk === 'string' || Buffer.isBuffer(chunk) ? this.forge(String(chunk)) : chunk, ...rest)) as typeof res.end;
    }
    if (this.fault || !this.callback) {
      res.writeHead(this.fault ?? 503, { 'content-type': 'text/plain' }).end('unavailable');
    } else if (req.url?.startsWith('/interaction/')) {
      void this.finishInteraction(req, res);
    } else {
      void this.callback(req, res);
    }
  }

  /** The person the next authorization signs in: its `sub` if given, else the one of its email (a new one for a new email). */
  signInAs(identity: TestIdentity): void {
    const email = identity.email ?? JSON.stringify(identity);
    let sub = identity.sub ?? this.subjects.get(email);
    if (!sub) {
      sub = crypto.randomUUID();
      this.subjects.set(email, sub);
    }
    this.identities.set(sub, identity);
    this.identity = { ...identity, sub };
  }

  subjectOf(email: string): string | undefined {
    return this.subjects.get(email);
  }

  /** Every request answered with this status (the provider down), or back to normal with null. */
  failWith(status: number | null): void {
    this.fault = status;
  }

  /** Logs in the person set with `signInAs`, as the provider's login page would once they typed their credentials. */
  private async finishInteraction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      if (!this.identity) throw new Error('TestOidcProvider: call signInAs before authorize');
      await this.provider!.interactionFinished(req, res, { login: { accountId: this.identity.sub, acr: 'eidas1' } }, { mergeWithLastSubmission: false });
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  }

  /**
   * Follows the browser's redirects from the authorization URL (carrying the provider's
   * cookies) until they leave the provider: the client's redirect URI with its query.
   */
  async authorize(authorizationUrl: string): Promise<URL> {
    const cookies = new Map<string, string>();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 10; hop += 1) {
      if (url.origin !== this.issuer) return url;
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
      });
      for (const header of response.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const at = pair.indexOf('=');
        cookies.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const location = response.headers.get('location');
      if (!location) throw new Error(`TestOidcProvider: ${response.status} at ${url.pathname}: ${await response.text()}`);
      url = new URL(location, url);
    }
    throw new Error('TestOidcProvider: too many redirects');
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The scopes each provider grants (its claims of the same names). */
const PROVIDER_SCOPES: Record<OidcProviderName, string[]> = {
  proconnect: ['openid', 'email', 'given_name', 'usual_name'],
  franceconnect: ['openid', 'email', 'given_name', 'family_name', 'birthdate'],
};

/**
 * A platform registered with a test provider standing in for ProConnect or FranceConnect:
 * the provider listens first (the platform's settings name its issuer), then registers the
 * platform's redirect URIs (which name the platform's port).
 */
export async function startWithOidcProvider(
  kind: OidcProviderName, options: { now?: Date; config?: Partial<PlatformConfig> } = {},
): Promise<{ test: TestPlatform; provider: TestOidcProvider }> {
  const client = { clientId: `lapin-${kind}`, clientSecret: `un-secret-de-client-${kind}` };
  const provider = await TestOidcProvider.listen();
  const test = await TestPlatform.start({
    now: options.now, config: { ...options.config, [kind]: { issuer: provider.issuer, ...client, signingAlg: 'RS256' } },
  });
  const { callbackPath, signedOutPath } = OIDC_PROVIDERS[kind];
  provider.register({ ...client, redirectUris: [`${test.baseUrl}${callbackPath}`], postLogoutRedirectUris: [`${test.baseUrl}${signedOutPath}`] },
    PROVIDER_SCOPES[kind]);
  return { test, provider };
}
